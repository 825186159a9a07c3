package contract

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
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
	*checkInfo
	maxAge time.Duration
	asOf   time.Time
	// newest is the newest value seen, in microseconds since the epoch
	// (math.MinInt64 when none).
	newest atomic.Int64
}

func newFreshnessCheck(info *checkInfo, maxAge time.Duration, asOf time.Time) *freshnessCheck {
	c := &freshnessCheck{checkInfo: info, maxAge: maxAge, asOf: asOf.UTC()}
	c.newest.Store(math.MinInt64)
	info.judge = func(failures, total int64) bool { return failures < total }
	return c
}

func (c *freshnessCheck) info() *checkInfo { return c.checkInfo }
func (c *freshnessCheck) perValue() bool   { return true }

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
func (c *freshnessCheck) cutoff(col *parquetx.Column) int64 {
	t := c.asOf.Add(-c.maxAge)
	if col.Type.Name == parquetx.TypeDate {
		t = t.Truncate(24 * time.Hour)
	}
	return t.UnixMicro()
}

func (c *freshnessCheck) note(us int64) {
	for {
		old := c.newest.Load()
		if us <= old || c.newest.CompareAndSwap(old, us) {
			return
		}
	}
}

func (c *freshnessCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats) (int64, bool) {
	n, known := nonNull(col, st)
	if !known || !st.HasMax || !st.MaxExact {
		return 0, false
	}
	// The chunk's newest value decides it: recent, and the rule holds
	// whatever else the chunk holds; old, and so is every value in it.
	newest := micros(col, st.Max)
	c.note(newest)
	if newest < c.cutoff(col) {
		return n, true
	}
	return 0, true
}

func (c *freshnessCheck) test(col *parquetx.Column, v parquet.Value) verdict {
	if v.IsNull() {
		return skip
	}
	us := micros(col, v)
	c.note(us)
	if us >= c.cutoff(col) {
		return pass
	}
	return fail
}

func (c *freshnessCheck) observed() any {
	if n := c.newest.Load(); n != math.MinInt64 {
		return map[string]any{"newest": time.UnixMicro(n).UTC().Format(time.RFC3339Nano)}
	}
	return nil
}

func (c *freshnessCheck) message() string {
	n := c.newest.Load()
	if n == math.MinInt64 {
		return "no values: nothing shows the data is fresh"
	}
	newest := time.UnixMicro(n).UTC()
	age := c.asOf.Sub(newest).Round(time.Second)
	if age < 0 {
		return fmt.Sprintf("newest value %s is after the as-of time %s", newest.Format(time.RFC3339), c.asOf.Format(time.RFC3339))
	}
	if c.failures < c.total {
		return fmt.Sprintf("newest value %s is %s old, within %s of %s", newest.Format(time.RFC3339), FormatAge(age), FormatAge(c.maxAge), c.asOf.Format(time.RFC3339))
	}
	return fmt.Sprintf("newest value %s is %s old, more than %s before %s", newest.Format(time.RFC3339), FormatAge(age), FormatAge(c.maxAge), c.asOf.Format(time.RFC3339))
}
