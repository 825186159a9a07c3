package contract

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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

// base is what every check shares, fixed at Compile: identity, severity,
// tolerance, where the contract states it and what it expects. Checks embed
// it for their common methods; what a run finds goes to an outcome, so one
// compiled plan serves any number of runs, concurrently.
type base struct {
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
	// idx numbers the plan's value checks, indexing a run's outcomes.
	idx int
	// where is the rule's own row filter, if any; a run adds its own.
	where *Filter
}

func (b *base) def() *base { return b }

// decidedByCounts reports whether statistics that prove failures decide the
// check (a tolerance judges counts; examples would change nothing), rather
// than sending the chunk to a scan for examples.
func (b *base) decidedByCounts() bool { return b.mostly < 1 || b.maxFailures != nil || b.judge != nil }

// observed is what the evidence shows beyond counts; most checks have none.
func (b *base) observed(*outcome) any { return nil }

// outcome is one check's result over one run, merged from its chunks.
type outcome struct {
	mu       sync.Mutex
	failures int64
	total    int64
	examples []example
	tiers    map[string]bool
	// broken, when set, is why the check could not be evaluated.
	broken string
	// worst is a bound check's most extreme failing value.
	worst *parquetx.Exact
	// asOf is the run's time for freshness; newest, in microseconds since
	// the epoch, the newest value a freshness check has seen.
	asOf   time.Time
	newest atomic.Int64
	// binary counts lengths in bytes in messages: set when the column is
	// not a string in some file.
	binary bool
}

func newOutcome(asOf time.Time) *outcome {
	o := &outcome{tiers: map[string]bool{}, asOf: asOf.UTC()}
	o.newest.Store(math.MinInt64)
	return o
}

// example is a failing value with the dataset position used for ordering.
type example struct {
	file     int
	fileName string
	rowGroup int
	row      int64
	value    any
}

// add merges one chunk's outcome.
func (ci *outcome) add(tier string, failures, total int64, ex []example) {
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

func (ci *outcome) trimExamples() {
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

func (ci *outcome) decidedBy() string {
	for _, t := range []string{tierScan, tierDictionary, tierMetadata, tierTable} {
		if ci.tiers[t] {
			return t
		}
	}
	return tierMetadata
}

// render turns a run's outcome into evidence; message is the check's own
// wording.
func (b *base) render(ci *outcome, message string) evidence.Check {
	ci.trimExamples()
	src := b.source
	c := evidence.Check{
		ID: b.id, Severity: b.severity, Expected: b.expected,
		Failures: ci.failures, Total: ci.total, Source: &src, DecidedBy: ci.decidedBy(),
		Status: evidence.StatusPass, Message: message,
	}
	if b.column != "" {
		c.Location = &evidence.Location{Column: b.column}
	}
	if ci.broken != "" {
		c.Status, c.Message = evidence.StatusFail, ci.broken
		if b.severity == evidence.SeverityWarn {
			c.Status = evidence.StatusWarn
		}
		return c
	}
	if (ci.failures > 0 || b.judge != nil) && !b.allows(ci) {
		c.Status = evidence.StatusFail
		if b.severity == evidence.SeverityWarn {
			c.Status = evidence.StatusWarn
		}
	}
	if c.Status == evidence.StatusPass {
		if b.judge != nil {
			c.Failures = 0 // a rule about one value: no value fails it
		}
		return c // failures within mostly need no examples
	}
	if m := b.maxFailures; m != nil && !m.Allows(ci.failures, ci.total) {
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

// allows judges a run's failures against mostly and max_failures; a rule
// with max_failures alone is not also held to the default mostly of 1.
func (b *base) allows(o *outcome) bool {
	if b.judge != nil {
		return b.judge(o.failures, o.total)
	}
	if b.maxFailures != nil && b.mostly >= 1 {
		return b.maxFailures.Allows(o.failures, o.total)
	}
	return passesMostly(o.failures, o.total, b.mostly) && b.maxFailures.Allows(o.failures, o.total)
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
	skip     // not counted: nulls, for every check but the null checks
	untested // a dictionary entry not judged yet
)

// bytesTester is a check that can judge a string or binary value on its
// bytes, with no parquet.Value and no copy; bytesTest returns nil when the
// column's type needs the value (binary compared as text, say).
type bytesTester interface {
	bytesTest(col *parquetx.Column) func(b []byte) bool
}

// valueCheck is a rule over the values of one column. Each kind is a small
// type; the plan asks the cheapest tier that can decide each chunk.
type valueCheck interface {
	def() *base
	// fromStats decides a chunk from its footer statistics, returning its
	// exact failure count, or false when statistics cannot decide it.
	fromStats(col *parquetx.Column, st parquetx.ChunkStats, o *outcome) (failures int64, ok bool)
	// perValue reports whether the verdict depends on the value alone, so
	// that testing a chunk's dictionary entries decides the chunk.
	perValue() bool
	// test judges one value, noting in o what the evidence shows beyond
	// counts (a bound's most extreme failure).
	test(col *parquetx.Column, v parquet.Value, o *outcome) verdict
	// rejects says why the check cannot apply to a file's column, or "".
	rejects(col *parquetx.Column) string
	// message describes the outcome.
	message(o *outcome) string
	observed(o *outcome) any
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
	base
	maxFraction float64
}

func (c *notNullCheck) perValue() bool                      { return false }
func (c *notNullCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }
func (c *notNullCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats, _ *outcome) (int64, bool) {
	if col.MaxDefinitionLevel == 0 {
		return 0, true
	}
	if st.HasNullCount {
		return st.NullCount, true
	}
	return 0, false
}
func (c *notNullCheck) test(_ *parquetx.Column, v parquet.Value, o *outcome) verdict {
	if v.IsNull() {
		return fail
	}
	return pass
}
func (c *notNullCheck) message(o *outcome) string {
	if c.maxFraction > 0 {
		frac := 0.0
		if o.total > 0 {
			frac = float64(o.failures) / float64(o.total)
		}
		share, most := numfmt.PercentPair(frac, c.maxFraction)
		return fmt.Sprintf("%s of %s values are null (%s, at most %s allowed)", count(o.failures), count(o.total), share, most)
	}
	return fmt.Sprintf("%s of %s values are null", count(o.failures), count(o.total)) + mostlyNote(o.failures, o.total, c.mostly)
}

// boundCheck is min (lower) or max (upper) of a numeric column, compared
// exactly: integers and decimals as integers (never through float64), floats
// against the limit cast to the column's type. NaN is greater than every
// number, as in SQL engines: it fails every max and passes every min.
type boundCheck struct {
	base
	limit *limit
	upper bool
}

func newBoundCheck(info base, n Number, upper bool) *boundCheck {
	return &boundCheck{base: info, limit: newLimit(n), upper: upper}
}

func (c *boundCheck) noteFailure(o *outcome, x parquetx.Exact) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.worst == nil || (c.upper && compareExact(x, *o.worst) > 0) || (!c.upper && compareExact(x, *o.worst) < 0) {
		o.worst = &x
	}
}

// observed is the most extreme failing value, for the evidence.
func (c *boundCheck) observed(o *outcome) any {
	if o.worst == nil {
		return nil
	}
	if c.upper {
		return map[string]any{"max": o.worst.Value()}
	}
	return map[string]any{"min": o.worst.Value()}
}

// fails says whether a value breaks the bound.
func (c *boundCheck) fails(col *parquetx.Column, e parquetx.Exact) bool {
	d := c.limit.cmp(col, e)
	return (c.upper && d > 0) || (!c.upper && d < 0)
}

func (c *boundCheck) perValue() bool { return true }
func (c *boundCheck) rejects(col *parquetx.Column) string {
	if col.Type.Name == parquetx.TypeDecimal && (col.Type.Scale > maxScale || col.Type.Precision > maxScale) {
		return fmt.Sprintf("min and max compare decimals of precision up to %d, and %s is %s", maxScale, col.Path, col.Type)
	}
	return numericOnly(col)
}

// fromStats decides a chunk whose bound is within the limit. A float
// column's max cannot be decided so: writers leave NaN out of statistics.
func (c *boundCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats, _ *outcome) (int64, bool) {
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
func (c *boundCheck) test(col *parquetx.Column, v parquet.Value, o *outcome) verdict {
	x, ok := col.Exact(v)
	if !ok {
		return skip
	}
	if c.fails(col, x) {
		c.noteFailure(o, x)
		return fail
	}
	return pass
}

// intTest is the check as a test of a signed integer column's values as
// int64 (true: within the bound), with the limit resolved once; nil when
// the column needs Exact (unsigned, or not an integer column).
func (c *boundCheck) intTest(col *parquetx.Column) func(int64) bool {
	if col.Type.Name.IsUnsigned() || (col.Physical != format.Int32 && col.Physical != format.Int64) {
		return nil
	}
	scale := 0
	if col.Type.Name.IsDecimal() {
		scale = col.Type.Scale
	}
	if scale > maxScale {
		return nil
	}
	il := c.limit.atScale(scale)
	lo, hi := parquetx.Int128Of(math.MinInt64), parquetx.Int128Of(math.MaxInt64)
	if c.upper {
		// u fails when u > floor.
		switch {
		case il.floor.Cmp(hi) >= 0:
			return func(int64) bool { return true }
		case il.floor.Cmp(lo) < 0:
			return func(int64) bool { return false }
		}
		f := int64(il.floor.Lo)
		return func(u int64) bool { return u <= f }
	}
	// u fails when u < ceil.
	switch {
	case il.ceil.Cmp(lo) <= 0:
		return func(int64) bool { return true }
	case il.ceil.Cmp(hi) > 0:
		return func(int64) bool { return false }
	}
	ce := int64(il.ceil.Lo)
	return func(u int64) bool { return u >= ce }
}

// floatTest is the check as a test of a FLOAT or DOUBLE column's values (a
// FLOAT widened exactly), as cmp judges them: NaN fails a max, passes a min.
func (c *boundCheck) floatTest(col *parquetx.Column) func(float64) bool {
	lf := c.limit.f64
	if col.Type.Name == parquetx.TypeFloat {
		lf = c.limit.f32
	}
	if c.upper {
		return func(x float64) bool { return x <= lf } // false for NaN
	}
	return func(x float64) bool { return !(x < lf) }
}

func (c *boundCheck) message(o *outcome) string {
	what, extreme := "below the minimum", "smallest"
	if c.upper {
		what, extreme = "above the maximum", "largest"
	}
	msg := fmt.Sprintf("%s of %s values are %s %s", count(o.failures), count(o.total), what, c.limit.n.Text)
	if o.worst != nil {
		msg += fmt.Sprintf(", the %s %s", extreme, o.worst.Text())
	}
	return msg + mostlyNote(o.failures, o.total, c.mostly)
}

// allowedCheck requires values from a list. Numeric columns compare numbers
// exactly as bounds do (a float column's value equals the literal cast to
// its type; NaN equals NaN and -0.0 equals 0.0).
type allowedCheck struct {
	base
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

func newAllowedCheck(info base, values []string) *allowedCheck {
	c := &allowedCheck{base: info, text: map[string]bool{}, f64: map[uint64]bool{}, f32: map[uint64]bool{}}
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

func (c *allowedCheck) perValue() bool                      { return true }
func (c *allowedCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }
func (c *allowedCheck) fromStats(*parquetx.Column, parquetx.ChunkStats, *outcome) (int64, bool) {
	return 0, false
}
func (c *allowedCheck) test(col *parquetx.Column, v parquet.Value, o *outcome) verdict {
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
func (c *allowedCheck) bytesTest(col *parquetx.Column) func([]byte) bool {
	if col.Type.Name != parquetx.TypeString {
		return nil
	}
	return func(b []byte) bool { return c.text[string(b)] } // the compiler does not copy here
}
func (c *allowedCheck) message(o *outcome) string {
	return fmt.Sprintf("%s of %s values are not in the allowed list", count(o.failures), count(o.total)) + mostlyNote(o.failures, o.total, c.mostly)
}

// patternCheck requires values to match an RE2 pattern (anywhere, as RE2
// does; anchor it with ^...$ to match whole values).
type patternCheck struct {
	base
	re *regexp.Regexp
	// fast, when the pattern has the shape, matches strings without regexp.
	fast *seqMatcher
}

func (c *patternCheck) perValue() bool                      { return true }
func (c *patternCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }
func (c *patternCheck) fromStats(*parquetx.Column, parquetx.ChunkStats, *outcome) (int64, bool) {
	return 0, false
}
func (c *patternCheck) test(col *parquetx.Column, v parquet.Value, o *outcome) verdict {
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
func (c *patternCheck) bytesTest(col *parquetx.Column) func([]byte) bool {
	switch {
	case col.Type.Name != parquetx.TypeString:
		return nil
	case c.fast != nil:
		return c.fast.match
	}
	return c.re.Match
}
func (c *patternCheck) message(o *outcome) string {
	return fmt.Sprintf("%s of %s values do not match %s", count(o.failures), count(o.total), c.re) + mostlyNote(o.failures, o.total, c.mostly)
}

// lengthCheck is min_length or max_length, in characters for strings and
// bytes for binary.
type lengthCheck struct {
	base
	limit int64
	upper bool
}

func (c *lengthCheck) perValue() bool                      { return true }
func (c *lengthCheck) rejects(col *parquetx.Column) string { return bytesOnly(col) }
func (c *lengthCheck) fromStats(*parquetx.Column, parquetx.ChunkStats, *outcome) (int64, bool) {
	return 0, false
}
func (c *lengthCheck) test(col *parquetx.Column, v parquet.Value, o *outcome) verdict {
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

// bytesTest counts characters only when the byte length leaves it open: a
// string has at most as many characters as bytes.
func (c *lengthCheck) bytesTest(col *parquetx.Column) func([]byte) bool {
	limit := int(c.limit)
	switch str := col.Type.Name == parquetx.TypeString; {
	case c.upper && str:
		return func(b []byte) bool { return len(b) <= limit || utf8.RuneCount(b) <= limit }
	case c.upper:
		return func(b []byte) bool { return len(b) <= limit }
	case str:
		return func(b []byte) bool { return len(b) >= limit && utf8.RuneCount(b) >= limit }
	}
	return func(b []byte) bool { return len(b) >= limit }
}
func (c *lengthCheck) message(o *outcome) string {
	what, unit := "shorter than", "characters"
	if c.upper {
		what = "longer than"
	}
	if o.binary {
		unit = "bytes"
	}
	return fmt.Sprintf("%s of %s values are %s %d %s", count(o.failures), count(o.total), what, c.limit, unit) + mostlyNote(o.failures, o.total, c.mostly)
}

// keyText renders a key (one or several columns) for messages.
func keyText(cols []string) string { return strings.Join(cols, ", ") }
