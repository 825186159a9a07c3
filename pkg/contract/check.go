package contract

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// The tiers that can decide a check, cheapest first.
const (
	tierTable      = "table-metadata"
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
	// maxFailures, when set, bounds the failing rows beside mostly.
	maxFailures *MaxFailures
	// judge, when set, replaces mostly and maxFailures (freshness passes
	// when any value is recent).
	judge    func(failures, total int64) bool
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
	for _, t := range []string{tierScan, tierDictionary, tierMetadata, tierTable} {
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
	if (ci.failures > 0 || ci.judge != nil) && !ci.allows() {
		c.Status = evidence.StatusFail
		if ci.severity == evidence.SeverityWarn {
			c.Status = evidence.StatusWarn
		}
	}
	if c.Status == evidence.StatusPass {
		if ci.judge != nil {
			c.Failures = 0 // a rule about one value: no value fails it
		}
		return c // failures within mostly need no examples
	}
	if m := ci.maxFailures; m != nil && !m.Allows(ci.failures, ci.total) {
		c.Message += " (" + m.describe() + ")"
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

// allows judges the failures against mostly and max_failures; a rule with
// max_failures alone is not also held to the default mostly of 1.
func (ci *checkInfo) allows() bool {
	if ci.judge != nil {
		return ci.judge(ci.failures, ci.total)
	}
	if ci.maxFailures != nil && ci.mostly >= 1 {
		return ci.maxFailures.Allows(ci.failures, ci.total)
	}
	return passesMostly(ci.failures, ci.total, ci.mostly) && ci.maxFailures.Allows(ci.failures, ci.total)
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
	pass, least := numfmt.PercentPair(float64(total-failures)/float64(total), mostly)
	return fmt.Sprintf(" (%s pass, at least %s required)", pass, least)
}

// count formats a number of values or rows (numfmt.Count).
func count(n int64) string { return numfmt.Count(n) }

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
	if col.ExactNumeric() {
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
		share, most := numfmt.PercentPair(frac, c.maxFraction)
		return fmt.Sprintf("%s of %s values are null (%s, at most %s allowed)", count(c.failures), count(c.total), share, most)
	}
	return fmt.Sprintf("%s of %s values are null", count(c.failures), count(c.total)) + mostlyNote(c.failures, c.total, c.mostly)
}

// boundCheck is min (lower) or max (upper) of a numeric column, compared
// exactly: integers and decimals as integers (never through float64), floats
// against the limit cast to the column's type. NaN is greater than every
// number, as in SQL engines: it fails every max and passes every min.
type boundCheck struct {
	*checkInfo
	limit *limit
	upper bool

	worstMu sync.Mutex
	worst   *parquetx.Exact // the most extreme failing value
}

func newBoundCheck(info *checkInfo, n Number, upper bool) *boundCheck {
	return &boundCheck{checkInfo: info, limit: newLimit(n), upper: upper}
}

func (c *boundCheck) noteFailure(x parquetx.Exact) {
	c.worstMu.Lock()
	defer c.worstMu.Unlock()
	if c.worst == nil || (c.upper && compareExact(x, *c.worst) > 0) || (!c.upper && compareExact(x, *c.worst) < 0) {
		c.worst = &x
	}
}

// observed is the most extreme failing value, for the evidence.
func (c *boundCheck) observed() any {
	if c.worst == nil {
		return nil
	}
	if c.upper {
		return map[string]any{"max": c.worst.Value()}
	}
	return map[string]any{"min": c.worst.Value()}
}

// fails says whether a value breaks the bound.
func (c *boundCheck) fails(col *parquetx.Column, e parquetx.Exact) bool {
	d := c.limit.cmp(col, e)
	return (c.upper && d > 0) || (!c.upper && d < 0)
}

func (c *boundCheck) info() *checkInfo { return c.checkInfo }
func (c *boundCheck) perValue() bool   { return true }
func (c *boundCheck) rejects(col *parquetx.Column) string {
	if col.Type.Name == parquetx.TypeDecimal && (col.Type.Scale > maxScale || col.Type.Precision > maxScale) {
		return fmt.Sprintf("min and max compare decimals of precision up to %d, and %s is %s", maxScale, col.Path, col.Type)
	}
	return numericOnly(col)
}

// fromStats decides a chunk whose bound is within the limit. A float
// column's max cannot be decided so: writers leave NaN out of statistics.
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
	x, ok := col.Exact(bound)
	if !ok || (x.Float && (c.upper || math.IsNaN(x.F))) {
		return 0, false
	}
	if !c.fails(col, x) {
		return 0, true
	}
	return 0, false
}
func (c *boundCheck) test(col *parquetx.Column, v parquet.Value) verdict {
	x, ok := col.Exact(v)
	if !ok {
		return skip
	}
	if c.fails(col, x) {
		c.noteFailure(x)
		return fail
	}
	return pass
}
func (c *boundCheck) message() string {
	what, extreme := "below the minimum", "smallest"
	if c.upper {
		what, extreme = "above the maximum", "largest"
	}
	msg := fmt.Sprintf("%s of %s values are %s %s", count(c.failures), count(c.total), what, c.limit.n.Text)
	if c.worst != nil {
		msg += fmt.Sprintf(", the %s %s", extreme, c.worst.Text())
	}
	return msg + mostlyNote(c.failures, c.total, c.mostly)
}

// allowedCheck requires values from a list. Numeric columns compare numbers
// exactly as bounds do (a float column's value equals the literal cast to
// its type; NaN equals NaN and -0.0 equals 0.0).
type allowedCheck struct {
	*checkInfo
	text map[string]bool
	// ints[s] holds the allowed numbers as integers scaled by 10^s, made on
	// first use; f64 and f32 their float keys (parquetx.FloatKey) cast to
	// DOUBLE and FLOAT.
	numbers  []Number
	ints     [maxScale + 1]atomic.Pointer[map[parquetx.Int128]bool]
	f64, f32 map[uint64]bool
}

func (c *allowedCheck) atScale(s int) map[parquetx.Int128]bool {
	if m := c.ints[s].Load(); m != nil {
		return *m
	}
	m := map[parquetx.Int128]bool{}
	for _, n := range c.numbers {
		if il := newIntLimit(n.Rat, s); il.exact {
			m[il.floor] = true
		}
	}
	c.ints[s].Store(&m)
	return m
}

func newAllowedCheck(info *checkInfo, values []string) *allowedCheck {
	c := &allowedCheck{checkInfo: info, text: map[string]bool{}, f64: map[uint64]bool{}, f32: map[uint64]bool{}}
	for _, v := range values {
		c.text[v] = true
		if f, ok := specialFloat(v); ok {
			c.f64[parquetx.FloatKey(f)], c.f32[parquetx.FloatKey(f)] = true, true
			continue
		}
		n, err := ParseNumber(v)
		if err != nil {
			continue
		}
		f64, _ := n.Rat.Float64()
		f32, _ := n.Rat.Float32()
		c.f64[parquetx.FloatKey(f64)], c.f32[parquetx.FloatKey(float64(f32))] = true, true
		c.numbers = append(c.numbers, n)
	}
	return c
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
	case parquetx.TypeDate, parquetx.TypeTimestamp:
		// As written in contracts: 2026-01-31, 2026-01-31T12:00:00Z.
		if s, ok := col.Display(v).(string); ok && c.text[s] {
			return pass
		}
		return fail
	}
	if x, ok := col.Exact(v); ok {
		var in bool
		switch {
		case x.Float && col.Type.Name == parquetx.TypeFloat:
			in = c.f32[parquetx.FloatKey(x.F)]
		case x.Float:
			in = c.f64[parquetx.FloatKey(x.F)]
		case x.Scale <= maxScale:
			in = c.atScale(x.Scale)[x.Int]
		}
		if in {
			return pass
		}
		return fail
	}
	if col.Type.Name == parquetx.TypeString {
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
	return fmt.Sprintf("%s of %s values are not in the allowed list", count(c.failures), count(c.total)) + mostlyNote(c.failures, c.total, c.mostly)
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
	if b := v.ByteArray(); col.Type.Name == parquetx.TypeString {
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
	return fmt.Sprintf("%s of %s values do not match %s", count(c.failures), count(c.total), c.re) + mostlyNote(c.failures, c.total, c.mostly)
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
	if col.Type.Name == parquetx.TypeString {
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
	return fmt.Sprintf("%s of %s values are %s %d %s", count(c.failures), count(c.total), what, c.limit, unit) + mostlyNote(c.failures, c.total, c.mostly)
}

// keyText renders a key (one or several columns) for messages.
func keyText(cols []string) string { return strings.Join(cols, ", ") }
