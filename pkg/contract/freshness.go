package contract

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// ParseAge reads a freshness bound: a Go duration ("36h", "90m") or whole
// days and weeks before it ("2d", "1w", "1d12h"), as people write them.
func ParseAge(s string) (time.Duration, error) {
	m := ageRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not an age such as 24h, 2d or 1d12h", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	if m[3] != "" {
		rest, err := time.ParseDuration(m[3])
		if err != nil {
			return 0, fmt.Errorf("%q is not an age such as 24h, 2d or 1d12h", s)
		}
		d += rest
	}
	if d <= 0 {
		return 0, fmt.Errorf("age %q must be positive", s)
	}
	return d, nil
}

var ageRE = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?((?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))*)$`)

// FormatAge writes an age back as ParseAge reads it, in days where whole.
func FormatAge(d time.Duration) string {
	day := 24 * time.Hour
	if d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	if d > day {
		return strconv.FormatInt(int64(d/day), 10) + "d" + (d % day).String()
	}
	return d.String()
}

// freshnessCheck holds the newest value of a date or timestamp column to
// within an age of the run's as-of time. The rule is about one value, so a
// chunk's exact max statistic decides it unread, and only chunks without
// statistics are scanned. Its failures are every value when none is recent,
// and none when one is.
type freshnessCheck struct {
	base
	maxAge time.Duration
}

func newFreshnessCheck(b base, maxAge time.Duration) *freshnessCheck {
	c := &freshnessCheck{base: b, maxAge: maxAge}
	c.judge = func(failures, total int64) bool { return failures < total }
	return c
}

func (c *freshnessCheck) perValue() bool { return true }

func (c *freshnessCheck) rejects(col *parquetx.Column) string {
	switch {
	case col.Type.Name == parquetx.TypeDate:
		return ""
	case col.Type.Name == parquetx.TypeTimestamp && col.Physical == format.Int64:
		return ""
	}
	return fmt.Sprintf("freshness applies to date and timestamp columns, and %s is %s", col.Path, col.Type)
}

// micros is a value of the column in microseconds since the epoch.
func micros(col *parquetx.Column, v parquet.Value) int64 {
	if col.Type.Name == parquetx.TypeDate {
		return int64(v.Int32()) * 86400 * 1e6
	}
	switch col.Type.Unit {
	case "ms":
		return v.Int64() * 1000
	case "us":
		return v.Int64()
	}
	return v.Int64() / 1000
}

// cutoff is the oldest recent value in microseconds; a date is recent when
// its day is on or after the cutoff's day.
func (c *freshnessCheck) cutoff(col *parquetx.Column, o *outcome) int64 {
	t := o.asOf.Add(-c.maxAge)
	if col.Type.Name == parquetx.TypeDate {
		t = t.Truncate(24 * time.Hour)
	}
	return t.UnixMicro()
}

// noteNewest keeps the newest value the run has seen.
func noteNewest(o *outcome, us int64) {
	for {
		old := o.newest.Load()
		if us <= old || o.newest.CompareAndSwap(old, us) {
			return
		}
	}
}

func (c *freshnessCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats, o *outcome) (int64, bool) {
	n, known := nonNull(col, st)
	if !known || !st.HasMax || !st.MaxExact {
		return 0, false
	}
	// The chunk's newest value decides it: recent, and the rule holds
	// whatever else the chunk holds; old, and so is every value in it.
	newest := micros(col, st.Max)
	noteNewest(o, newest)
	if newest < c.cutoff(col, o) {
		return n, true
	}
	return 0, true
}

func (c *freshnessCheck) test(col *parquetx.Column, v parquet.Value, o *outcome) verdict {
	if v.IsNull() {
		return skip
	}
	us := micros(col, v)
	noteNewest(o, us)
	if us >= c.cutoff(col, o) {
		return pass
	}
	return fail
}

func (c *freshnessCheck) observed(o *outcome) any {
	out := map[string]any{"asOf": o.asOf.Format(time.RFC3339)}
	if n := o.newest.Load(); n != math.MinInt64 {
		out["newest"] = time.UnixMicro(n).UTC().Format(time.RFC3339Nano)
	}
	return out
}

func (c *freshnessCheck) message(o *outcome) string {
	n := o.newest.Load()
	if n == math.MinInt64 {
		return "no values: nothing shows the data is fresh"
	}
	newest := time.UnixMicro(n).UTC()
	age := o.asOf.Sub(newest).Round(time.Second)
	switch {
	case age < 0:
		return fmt.Sprintf("newest value %s is after the as-of time %s", newest.Format(time.RFC3339), o.asOf.Format(time.RFC3339))
	case o.failures < o.total:
		return fmt.Sprintf("newest value %s is %s old, within %s of %s", newest.Format(time.RFC3339), FormatAge(age), FormatAge(c.maxAge), o.asOf.Format(time.RFC3339))
	}
	return fmt.Sprintf("newest value %s is %s old, more than %s before %s", newest.Format(time.RFC3339), FormatAge(age), FormatAge(c.maxAge), o.asOf.Format(time.RFC3339))
}
