package contract

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// The tiers that can decide a check, cheapest first.
const (
	tierMetadata   = "metadata"
	tierDictionary = "dictionary"
	tierScan       = "scan"
)

// maxExamples is how many failing values a check reports.
const maxExamples = 5

// checkInfo is what every check shares: identity, settings, and the
// outcome accumulated over the dataset.
type checkInfo struct {
	id       string
	column   string
	severity evidence.Severity
	mostly   float64
	source   evidence.Source
	expected any

	mu       sync.Mutex
	failures int64
	total    int64
	examples []example
	tiers    map[string]bool
	// broken, when set, is why the check could not be evaluated.
	broken string
}

// example is a failing value with the dataset position used for ordering.
type example struct {
	file     int
	fileName string
	rowGroup int
	row      int64
	value    any
}

func newInfo(id, column string, sev evidence.Severity, mostly float64, src evidence.Source, expected any) *checkInfo {
	return &checkInfo{id: id, column: column, severity: sev, mostly: mostly, source: src, expected: expected, tiers: map[string]bool{}}
}

// add merges one chunk's outcome.
func (ci *checkInfo) add(tier string, failures, total int64, ex []example) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.failures += failures
	ci.total += total
	ci.tiers[tier] = true
	ci.examples = append(ci.examples, ex...)
	if len(ci.examples) > 4*maxExamples {
		ci.trimExamples()
	}
}

func (ci *checkInfo) trimExamples() {
	sort.Slice(ci.examples, func(i, j int) bool {
		a, b := ci.examples[i], ci.examples[j]
		if a.file != b.file {
			return a.file < b.file
		}
		return a.row < b.row
	})
	if len(ci.examples) > maxExamples {
		ci.examples = ci.examples[:maxExamples]
	}
}

func (ci *checkInfo) decidedBy() string {
	for _, t := range []string{tierScan, tierDictionary, tierMetadata} {
		if ci.tiers[t] {
			return t
		}
	}
	return tierMetadata
}

// evidenceCheck renders the outcome; message is the check's own wording.
func (ci *checkInfo) evidenceCheck(message string) evidence.Check {
	ci.trimExamples()
	src := ci.source
	c := evidence.Check{
		ID: ci.id, Severity: ci.severity, Expected: ci.expected,
		Failures: ci.failures, Total: ci.total, Source: &src, DecidedBy: ci.decidedBy(),
		Status: evidence.StatusPass, Message: message,
	}
	if ci.column != "" {
		c.Location = &evidence.Location{Column: ci.column}
	}
	if ci.broken != "" {
		c.Status, c.Message = evidence.StatusFail, ci.broken
		if ci.severity == evidence.SeverityWarn {
			c.Status = evidence.StatusWarn
		}
		return c
	}
	if ci.failures > 0 && !passesMostly(ci.failures, ci.total, ci.mostly) {
		c.Status = evidence.StatusFail
		if ci.severity == evidence.SeverityWarn {
			c.Status = evidence.StatusWarn
		}
	}
	if c.Status == evidence.StatusPass {
		return c // failures within mostly need no examples
	}
	for _, e := range ci.examples {
		c.Examples = append(c.Examples, evidence.Example{Row: e.row, Value: e.value, File: e.fileName})
	}
	if len(ci.examples) > 0 {
		first := ci.examples[0]
		rg := first.rowGroup
		if c.Location == nil {
			c.Location = &evidence.Location{}
		}
		c.Location.File, c.Location.RowGroup = first.fileName, &rg
	}
	return c
}

func passesMostly(failures, total int64, mostly float64) bool {
	if total == 0 {
		return failures == 0
	}
	return float64(total-failures)/float64(total) >= mostly
}

// mostlyNote explains a failure count judged against mostly.
func mostlyNote(failures, total int64, mostly float64) string {
	if mostly >= 1 || total == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s pass, at least %s required)", percent(float64(total-failures)/float64(total)), percent(mostly))
}

func percent(f float64) string {
	return strconv.FormatFloat(math.Floor(f*10000)/100, 'f', -1, 64) + "%"
}

func num(f float64) string { return yamlNumber(f) }

// verdict is what a value check says about one value.
type verdict int8

const (
	pass verdict = iota
	fail
	skip // not counted: nulls, for every check but the null checks
)

// valueCheck is a rule over the values of one column. Each kind is a small
// type; the plan asks the cheapest tier that can decide each chunk.
type valueCheck interface {
	info() *checkInfo
	// fromStats decides a chunk from its footer statistics, returning its
	// exact failure count, or false when statistics cannot decide it.
	fromStats(col *parquetx.Column, st parquetx.ChunkStats) (failures int64, ok bool)
	// perValue reports whether the verdict depends on the value alone, so
	// that testing a chunk's dictionary entries decides the chunk.
	perValue() bool
	test(col *parquetx.Column, v parquet.Value) verdict
	// rejects says why the check cannot apply to a file's column, or "".
	rejects(col *parquetx.Column) string
	// message describes the outcome.
	message() string
}

func anyColumn(*parquetx.Column) string { return "" }

func numericOnly(col *parquetx.Column) string {
	if col.Numeric() {
		return ""
	}
	return fmt.Sprintf("min and max apply to numeric columns, and %s is %s", col.Path, col.Type)
}

func bytesOnly(col *parquetx.Column) string {
	if col.Physical == format.ByteArray || col.Physical == format.FixedLenByteArray {
		return ""
	}
	return fmt.Sprintf("lengths apply to string and binary columns, and %s is %s", col.Path, col.Type)
}

// nonNull is the number of non-null values of a chunk, when known.
func nonNull(col *parquetx.Column, st parquetx.ChunkStats) (int64, bool) {
	switch {
	case col.MaxDefinitionLevel == 0:
		return st.NumValues, true
	case st.HasNullCount:
		return st.NumValues - st.NullCount, true
	}
	return 0, false
}

// notNullCheck counts nulls: nullable: false (mostly 1) and
// max_null_fraction (the null fraction must not exceed maxFraction).
type notNullCheck struct {
	*checkInfo
	maxFraction float64
}

func (c *notNullCheck) info() *checkInfo                    { return c.checkInfo }
func (c *notNullCheck) perValue() bool                      { return false }
func (c *notNullCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }
func (c *notNullCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats) (int64, bool) {
	if col.MaxDefinitionLevel == 0 {
		return 0, true
	}
	if st.HasNullCount {
		return st.NullCount, true
	}
	return 0, false
}
func (c *notNullCheck) test(_ *parquetx.Column, v parquet.Value) verdict {
	if v.IsNull() {
		return fail
	}
	return pass
}
func (c *notNullCheck) message() string {
	if c.maxFraction > 0 {
		frac := 0.0
		if c.total > 0 {
			frac = float64(c.failures) / float64(c.total)
		}
		return fmt.Sprintf("%d of %d values are null (%s, at most %s allowed)", c.failures, c.total, percent(frac), percent(c.maxFraction))
	}
	return fmt.Sprintf("%d of %d values are null", c.failures, c.total) + mostlyNote(c.failures, c.total, c.mostly)
}

// boundCheck is min (lower) or max (upper) of a numeric column.
type boundCheck struct {
	*checkInfo
	limit float64
	upper bool
}

func (c *boundCheck) info() *checkInfo                    { return c.checkInfo }
func (c *boundCheck) perValue() bool                      { return true }
func (c *boundCheck) rejects(col *parquetx.Column) string { return numericOnly(col) }
func (c *boundCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats) (int64, bool) {
	if _, known := nonNull(col, st); !known {
		return 0, false
	}
	bound, has := st.Min, st.HasMin
	if c.upper {
		bound, has = st.Max, st.HasMax
	}
	if !has {
		return 0, false
	}
	x, ok := col.Number(bound)
	if !ok {
		return 0, false
	}
	if (c.upper && x <= c.limit) || (!c.upper && x >= c.limit) {
		return 0, true
	}
	return 0, false
}
func (c *boundCheck) test(col *parquetx.Column, v parquet.Value) verdict {
	x, ok := col.Number(v)
	if !ok {
		return skip
	}
	if (c.upper && x > c.limit) || (!c.upper && x < c.limit) {
		return fail
	}
	return pass
}
func (c *boundCheck) message() string {
	what := "below the minimum"
	if c.upper {
		what = "above the maximum"
	}
	return fmt.Sprintf("%d of %d values are %s %s", c.failures, c.total, what, num(c.limit)) + mostlyNote(c.failures, c.total, c.mostly)
}

// allowedCheck requires values from a list; numeric columns compare numbers.
type allowedCheck struct {
	*checkInfo
	text    map[string]bool
	numbers map[float64]bool
}

func (c *allowedCheck) info() *checkInfo                    { return c.checkInfo }
func (c *allowedCheck) perValue() bool                      { return true }
func (c *allowedCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }
func (c *allowedCheck) fromStats(*parquetx.Column, parquetx.ChunkStats) (int64, bool) {
	return 0, false
}
func (c *allowedCheck) test(col *parquetx.Column, v parquet.Value) verdict {
	if v.IsNull() {
		return skip
	}
	switch col.Type.Name {
	case "date", "timestamp":
		// As written in contracts: 2026-01-31, 2026-01-31T12:00:00Z.
		if s, ok := col.Display(v).(string); ok && c.text[s] {
			return pass
		}
		return fail
	}
	if x, ok := col.Number(v); ok {
		if c.numbers[x] {
			return pass
		}
		return fail
	}
	if col.Type.Name == "string" {
		if c.text[string(v.ByteArray())] { // the compiler does not copy here
			return pass
		}
		return fail
	}
	s, _ := col.Text(v)
	if c.text[s] {
		return pass
	}
	return fail
}
func (c *allowedCheck) message() string {
	return fmt.Sprintf("%d of %d values are not in the allowed list", c.failures, c.total) + mostlyNote(c.failures, c.total, c.mostly)
}

// patternCheck requires values to match an RE2 pattern (anywhere, as RE2
// does; anchor it with ^...$ to match whole values).
type patternCheck struct {
	*checkInfo
	re *regexp.Regexp
	// fast, when the pattern has the shape, matches strings without regexp.
	fast *seqMatcher
}

func (c *patternCheck) info() *checkInfo                    { return c.checkInfo }
func (c *patternCheck) perValue() bool                      { return true }
func (c *patternCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }
func (c *patternCheck) fromStats(*parquetx.Column, parquetx.ChunkStats) (int64, bool) {
	return 0, false
}
func (c *patternCheck) test(col *parquetx.Column, v parquet.Value) verdict {
	if v.IsNull() {
		return skip
	}
	var ok bool
	if b := v.ByteArray(); col.Type.Name == "string" {
		if c.fast != nil {
			ok = c.fast.match(b)
		} else {
			ok = c.re.Match(b) // no copy: this runs on every value
		}
	} else {
		s, _ := col.Text(v)
		ok = c.re.MatchString(s)
	}
	if ok {
		return pass
	}
	return fail
}
func (c *patternCheck) message() string {
	return fmt.Sprintf("%d of %d values do not match %s", c.failures, c.total, c.re) + mostlyNote(c.failures, c.total, c.mostly)
}

// lengthCheck is min_length or max_length, in characters for strings and
// bytes for binary.
type lengthCheck struct {
	*checkInfo
	limit int64
	upper bool
	// binary counts bytes rather than characters in messages: set when the
	// column is not a string in some file.
	binary bool
}

func (c *lengthCheck) info() *checkInfo                    { return c.checkInfo }
func (c *lengthCheck) perValue() bool                      { return true }
func (c *lengthCheck) rejects(col *parquetx.Column) string { return bytesOnly(col) }
func (c *lengthCheck) fromStats(*parquetx.Column, parquetx.ChunkStats) (int64, bool) {
	return 0, false
}
func (c *lengthCheck) test(col *parquetx.Column, v parquet.Value) verdict {
	if v.IsNull() {
		return skip
	}
	b := v.ByteArray()
	n := int64(len(b))
	if col.Type.Name == "string" {
		n = int64(utf8.RuneCount(b))
	}
	if (c.upper && n > c.limit) || (!c.upper && n < c.limit) {
		return fail
	}
	return pass
}
func (c *lengthCheck) message() string {
	what, unit := "shorter than", "characters"
	if c.upper {
		what = "longer than"
	}
	if c.binary {
		unit = "bytes"
	}
	return fmt.Sprintf("%d of %d values are %s %d %s", c.failures, c.total, what, c.limit, unit) + mostlyNote(c.failures, c.total, c.mostly)
}

// keyText renders a key (one or several columns) for messages.
func keyText(cols []string) string { return strings.Join(cols, ", ") }
