package contract

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// What a predicate can be on the rows of a row group, as a set: true,
// false, unknown (a comparison with a null).
const (
	canTrue    uint8 = 1
	canFalse   uint8 = 2
	canUnknown uint8 = 4
)

// and3, or3 and not3 are SQL's three-valued logic on one value each.
func and3(a, b uint8) uint8 {
	switch {
	case a == canFalse || b == canFalse:
		return canFalse
	case a == canTrue && b == canTrue:
		return canTrue
	}
	return canUnknown
}

func or3(a, b uint8) uint8 {
	switch {
	case a == canTrue || b == canTrue:
		return canTrue
	case a == canFalse && b == canFalse:
		return canFalse
	}
	return canUnknown
}

func not3(a uint8) uint8 {
	switch a {
	case canTrue:
		return canFalse
	case canFalse:
		return canTrue
	}
	return a
}

// lift applies a three-valued operator to every pair of possible values.
func lift(a, b uint8, op func(x, y uint8) uint8) uint8 {
	var out uint8
	for _, x := range []uint8{canTrue, canFalse, canUnknown} {
		for _, y := range []uint8{canTrue, canFalse, canUnknown} {
			if a&x != 0 && b&y != 0 {
				out |= op(x, y)
			}
		}
	}
	return out
}

// boundAtom is an atom bound to one file's column: cmps[i] orders a value
// against literal i (-1, 0, +1).
type boundAtom struct {
	*atom
	col  *parquetx.Column
	cmps []func(parquet.Value) int
}

// boundFilter is a predicate bound to the columns of one file.
type boundFilter struct {
	f     *Filter
	file  *parquetx.File
	atoms map[*atom]*boundAtom
}

// bind checks the predicate's columns and literals against a file.
func (f *Filter) bind(file *parquetx.File) (*boundFilter, error) {
	b := &boundFilter{f: f, file: file, atoms: map[*atom]*boundAtom{}}
	var err error
	f.eachAtom(func(a *atom) {
		if err == nil {
			b.atoms[a], err = bindAtom(a, file)
		}
	})
	return b, err
}

func bindAtom(a *atom, file *parquetx.File) (*boundAtom, error) {
	fail := func(format string, args ...any) error {
		return &FilterError{Offset: a.at, Msg: fmt.Sprintf(format, args...)}
	}
	col := file.Schema.Lookup(a.col)
	switch {
	case col == nil:
		return nil, fail("column %q is not in %s", a.col, file.Path)
	case !col.Leaf || col.MaxRepetitionLevel > 0:
		return nil, fail("column %q of %s is %s; a row filter reads single-valued columns", a.col, file.Path, col.Type)
	}
	ba := &boundAtom{atom: a, col: col}
	for _, l := range a.lits {
		c, err := comparator(col, l)
		if err != nil {
			return nil, fail("column %q of %s: %v", a.col, file.Path, err)
		}
		ba.cmps = append(ba.cmps, c)
	}
	return ba, nil
}

// timeLayouts are the forms a date or timestamp literal takes; one without
// an offset is UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"}

func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// comparator orders a column's values against a literal of the column's
// type, exactly: numbers as the bound checks compare them (NaN above every
// number), text by bytes, dates by day, timestamps in the column's unit.
func comparator(col *parquetx.Column, l literal) (func(parquet.Value) int, error) {
	t := col.Type
	switch {
	case t.Name.IsNumeric() && col.ExactNumeric():
		if l.kind != 'n' {
			return nil, fmt.Errorf("%s is a number, and %s is not", t, l)
		}
		if t.Name.IsDecimal() && (t.Scale > maxScale || t.Precision > maxScale) {
			return nil, fmt.Errorf("decimals of precision up to %d are compared, and it is %s", maxScale, t)
		}
		n, err := ParseNumber(l.text)
		if err != nil {
			return nil, err
		}
		lim := newLimit(n)
		return func(v parquet.Value) int {
			e, _ := col.Exact(v)
			return lim.cmp(col, e)
		}, nil
	case col.Physical == format.Boolean:
		if l.kind != 'b' {
			return nil, fmt.Errorf("it is boolean; compare it with true or false, not %s", l)
		}
		want := l.text == "true"
		return func(v parquet.Value) int { return boolOrder(v.Boolean()) - boolOrder(want) }, nil
	case t.Name == parquetx.TypeDate:
		tm, ok := parseTime(l.text)
		if l.kind != 's' || !ok || tm.Hour()+tm.Minute()+tm.Second()+tm.Nanosecond() != 0 {
			return nil, fmt.Errorf("it is a date; compare it with '2026-01-31', not %s", l)
		}
		day := tm.Unix() / 86400
		return func(v parquet.Value) int { return cmpInt(int64(v.Int32()), day) }, nil
	case t.Name == parquetx.TypeTimestamp:
		tm, ok := parseTime(l.text)
		if l.kind != 's' || !ok {
			return nil, fmt.Errorf("it is a timestamp; compare it with '2026-01-31T12:00:00Z', not %s", l)
		}
		perSec := map[string]int64{"ms": 1e3, "us": 1e6, "ns": 1e9}[t.Unit]
		if perSec == 0 {
			return nil, fmt.Errorf("timestamps of unit %q are not compared", t.Unit)
		}
		sec := tm.Unix()
		if sec > math.MaxInt64/perSec-1 || sec < math.MinInt64/perSec+1 {
			return nil, fmt.Errorf("%s is beyond the range of %s", l, t)
		}
		// The literal is units plus a remainder finer than the unit: a value
		// equal to the units is below it when the remainder is not zero.
		sub := int64(tm.Nanosecond())
		units := sec*perSec + sub/(1e9/perSec)
		finer := sub%(1e9/perSec) != 0
		return func(v parquet.Value) int {
			if c := cmpInt(v.Int64(), units); c != 0 || !finer {
				return c
			}
			return -1
		}, nil
	case t.Name.IsTextual() && t.Name != parquetx.TypeUUID:
		if l.kind != 's' {
			return nil, fmt.Errorf("it is %s; compare it with a quoted string, not %s", t, l)
		}
		lit := []byte(l.text)
		return func(v parquet.Value) int { return bytes.Compare(v.ByteArray(), lit) }, nil
	}
	return nil, fmt.Errorf("it is %s; a row filter compares numbers, text, booleans, dates and timestamps", t)
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// test is an atom's value on one value: canTrue, canFalse or canUnknown.
func (b *boundAtom) test(v parquet.Value) uint8 {
	if b.op == "null" {
		if v.IsNull() {
			return canTrue
		}
		return canFalse
	}
	if v.IsNull() {
		return canUnknown
	}
	if b.op == "in" {
		for _, c := range b.cmps {
			if c(v) == 0 {
				return canTrue
			}
		}
		return canFalse
	}
	c := b.cmps[0](v)
	var ok bool
	switch b.op {
	case "=":
		ok = c == 0
	case "!=":
		ok = c != 0
	case "<":
		ok = c < 0
	case "<=":
		ok = c <= 0
	case ">":
		ok = c > 0
	case ">=":
		ok = c >= 0
	}
	if ok {
		return canTrue
	}
	return canFalse
}

// fromStats is what the atom can be on the rows a chunk's statistics
// describe. Bounds are bounds, exact or not; a float column's maximum is
// not trusted (writers leave NaN, greater than every number, out of it).
func (b *boundAtom) fromStats(st parquetx.ChunkStats) uint8 {
	n, known := nonNull(b.col, st)
	values := !known || n > 0
	nulls := b.col.MaxDefinitionLevel > 0 && (!st.HasNullCount || st.NullCount > 0)
	var out uint8
	if b.op == "null" {
		if nulls {
			out |= canTrue
		}
		if values {
			out |= canFalse
		}
		return out
	}
	if nulls {
		out |= canUnknown
	}
	if !values {
		return out
	}
	if !st.HasMin || !st.HasMax {
		return out | canTrue | canFalse
	}
	float := b.col.Physical == format.Float || b.col.Physical == format.Double
	var t, f bool
	for i, c := range b.cmps {
		lo, hi := c(st.Min), c(st.Max)
		if float {
			hi = 1
		}
		var ti, fi bool
		switch b.op {
		case "=", "in":
			ti, fi = lo <= 0 && hi >= 0, !(lo == 0 && hi == 0)
		case "!=":
			ti, fi = !(lo == 0 && hi == 0), lo <= 0 && hi >= 0
		case "<":
			ti, fi = lo < 0, hi >= 0
		case "<=":
			ti, fi = lo <= 0, hi > 0
		case ">":
			ti, fi = hi > 0, lo <= 0
		case ">=":
			ti, fi = hi >= 0, lo < 0
		}
		if b.op == "in" {
			// true when some literal may match; false unless one literal
			// is every value.
			t = t || ti
			f = i == 0 && fi || i > 0 && f && fi
			continue
		}
		t, f = ti, fi
	}
	if t {
		out |= canTrue
	}
	if f {
		out |= canFalse
	}
	return out
}

// fromStats is what the predicate can be on the rows of row group rg,
// from the footer statistics of its columns.
func (b *boundFilter) fromStats(rg int) (uint8, error) {
	return b.from(func(col *parquetx.Column) (parquetx.ChunkStats, error) { return b.file.Stats(rg, col) })
}

// fromTable is what the predicate can be on the rows of the whole file,
// from a lakehouse table's statistics of its columns; ok is false when the
// table lacks one.
func (b *boundFilter) fromTable(stats func(*parquetx.Column) (parquetx.ChunkStats, bool)) (uint8, bool) {
	ok := true
	can, _ := b.from(func(col *parquetx.Column) (parquetx.ChunkStats, error) {
		st, has := stats(col)
		ok = ok && has
		return st, nil
	})
	return can, ok
}

// from evaluates the predicate on the statistics stats gives each column.
func (b *boundFilter) from(stats func(*parquetx.Column) (parquetx.ChunkStats, error)) (uint8, error) {
	var err error
	var eval func(n fnode) uint8
	eval = func(n fnode) uint8 {
		switch n := n.(type) {
		case *andNode:
			return lift(eval(n.l), eval(n.r), and3)
		case *orNode:
			return lift(eval(n.l), eval(n.r), or3)
		case *notNode:
			return lift(eval(n.x), canTrue, func(x, _ uint8) uint8 { return not3(x) })
		case *atom:
			ba := b.atoms[n]
			st, serr := stats(ba.col)
			if serr != nil {
				err = serr
				return canTrue | canFalse | canUnknown
			}
			return ba.fromStats(st)
		}
		return 0
	}
	out := eval(b.f.root)
	return out, err
}

// The states of a row group under a filter.
const (
	rgAll     int8 = iota // every row matches: no mask
	rgNone                // no row matches: skipped
	rgPartial             // rows matching are in the selection's bitmap
)

// selection is which rows of a dataset a filter keeps: per file, per row
// group, all, none or some, and for the latter the rows (absolute within
// the file).
type selection struct {
	filter *Filter
	states [][]int8
	rows   []*roaring64.Bitmap
	// Rows is the number of rows kept; the counts say how the row groups
	// were decided.
	Rows                        int64
	RowGroupsAll, RowGroupsNone int
	RowGroupsRead, PagesDecoded int
}

// state is row group rg of file i's state; a nil selection keeps all.
func (s *selection) state(i, rg int) int8 {
	if s == nil {
		return rgAll
	}
	return s.states[i][rg]
}

// mask is the rows kept of a partially kept row group, or nil.
func (s *selection) mask(i, rg int) *roaring64.Bitmap {
	if s.state(i, rg) != rgPartial {
		return nil
	}
	return s.rows[i]
}

// selectRows decides a filter over the files: row groups by their
// statistics first, then the rest by reading the filter's columns. owned,
// when set, limits the work to a shard's row groups.
func selectRows(ctx context.Context, f *Filter, files []*parquetx.File, owned [][]bool, opts parquetx.ScanOptions, table func(int, *parquetx.Column) (parquetx.ChunkStats, bool)) (*selection, error) {
	s := &selection{filter: f, states: make([][]int8, len(files)), rows: make([]*roaring64.Bitmap, len(files))}
	for i, file := range files {
		b, err := f.bind(file)
		if err != nil {
			return nil, err
		}
		s.states[i] = make([]int8, file.NumRowGroups())
		// A table's statistics of the whole file may decide it at once.
		whole := canTrue | canFalse | canUnknown
		if table != nil {
			if can, ok := b.fromTable(func(c *parquetx.Column) (parquetx.ChunkStats, bool) { return table(i, c) }); ok {
				whole = can
			}
		}
		var partial []int
		for rg := range s.states[i] {
			if owned != nil && !owned[i][rg] {
				s.states[i][rg] = rgNone
				continue
			}
			can := whole
			if can&canTrue != 0 && can != canTrue {
				if can, err = b.fromStats(rg); err != nil {
					return nil, err
				}
			}
			n := file.RowGroupRows(rg) - file.RowGroupExcluded(rg)
			switch {
			case can&canTrue == 0:
				s.states[i][rg] = rgNone
				s.RowGroupsNone++
			case can == canTrue:
				s.states[i][rg] = rgAll
				s.RowGroupsAll++
				s.Rows += n
			default:
				s.states[i][rg] = rgPartial
				s.RowGroupsRead++
				partial = append(partial, rg)
			}
		}
		if len(partial) == 0 {
			continue
		}
		kept, err := b.scanRows(ctx, s.states[i], opts)
		if err != nil {
			return nil, err
		}
		s.rows[i] = kept
		s.Rows += int64(kept.GetCardinality())
	}
	return s, nil
}

// atomRows are the rows of a file where an atom is true and where it is
// false (the others are unknown).
type atomRows struct {
	mu   sync.Mutex
	t, f *roaring64.Bitmap
}

// scanRows evaluates the predicate on every row of the partial row groups,
// reading each of its columns once, and returns the rows where it is true.
func (b *boundFilter) scanRows(ctx context.Context, states []int8, opts parquetx.ScanOptions) (*roaring64.Bitmap, error) {
	byCol := map[string][]*boundAtom{}
	rows := map[*atom]*atomRows{}
	var names []string
	for a, ba := range b.atoms {
		if byCol[a.col] == nil {
			names = append(names, a.col)
		}
		byCol[a.col] = append(byCol[a.col], ba)
		rows[a] = &atomRows{t: roaring64.New(), f: roaring64.New()}
	}
	err := parquetx.Scan(ctx, []*parquetx.File{b.file}, names, opts, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
		if states[c.RowGroup] != rgPartial {
			return nil, nil
		}
		v := &filterVisitor{atoms: byCol[c.Column.Path], all: rows, chunk: c}
		for range v.atoms {
			v.t = append(v.t, roaring64.New())
			v.f = append(v.f, roaring64.New())
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	var eval func(n fnode) (t, f *roaring64.Bitmap)
	eval = func(n fnode) (*roaring64.Bitmap, *roaring64.Bitmap) {
		switch n := n.(type) {
		case *andNode:
			lt, lf := eval(n.l)
			rt, rf := eval(n.r)
			return roaring64.And(lt, rt), roaring64.Or(lf, rf)
		case *orNode:
			lt, lf := eval(n.l)
			rt, rf := eval(n.r)
			return roaring64.Or(lt, rt), roaring64.And(lf, rf)
		case *notNode:
			t, f := eval(n.x)
			return f, t
		case *atom:
			r := rows[n]
			return r.t, r.f
		}
		return roaring64.New(), roaring64.New()
	}
	t, _ := eval(b.f.root)
	// Pages decided whole may span rows a table deleted: they are no rows.
	b.file.EachExcluded(0, b.file.NumRows, func(r int64) { t.Remove(uint64(r)) })
	return t, nil
}

// filterVisitor sorts a chunk's rows by each atom on its column into true
// and false.
type filterVisitor struct {
	atoms []*boundAtom
	t, f  []*roaring64.Bitmap
	all   map[*atom]*atomRows
	chunk *parquetx.Chunk
}

// SelectPages decides from the page index the pages on whose every row
// each atom of the column is one value (true, false or unknown), and has
// only the others decoded.
func (v *filterVisitor) SelectPages(pages []parquetx.PageStats) []bool {
	need := make([]bool, len(pages))
	sets := make([]uint8, len(v.atoms))
	for i, p := range pages {
		st := parquetx.ChunkStats{NumRows: p.Rows, NumValues: p.Rows, NullCount: p.NullCount, HasNullCount: p.HasNullCount,
			Min: p.Min, Max: p.Max, HasMin: p.HasBounds, HasMax: p.HasBounds}
		for k, a := range v.atoms {
			sets[k] = a.fromStats(st)
			need[i] = need[i] || sets[k] != canTrue && sets[k] != canFalse && sets[k] != canUnknown
		}
		if need[i] {
			continue
		}
		// A page ends where the next begins (Rows may count live rows only).
		end := v.chunk.Stats.NumRows
		if i+1 < len(pages) {
			end = pages[i+1].FirstRow
		}
		first, last := uint64(v.chunk.FirstRow+p.FirstRow), uint64(v.chunk.FirstRow+end)
		for k := range v.atoms {
			switch sets[k] {
			case canTrue:
				v.t[k].AddRange(first, last)
			case canFalse:
				v.f[k].AddRange(first, last)
			}
		}
	}
	return need
}

func (v *filterVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }

func (v *filterVisitor) Values(b parquetx.Batch) error {
	for k, a := range v.atoms {
		t, f := v.t[k], v.f[k]
		for i, val := range b.Values {
			switch a.test(val) {
			case canTrue:
				t.Add(uint64(b.Rows[i]))
			case canFalse:
				f.Add(uint64(b.Rows[i]))
			}
		}
	}
	return nil
}

func (v *filterVisitor) Close() error {
	for k, a := range v.atoms {
		r := v.all[a.atom]
		r.mu.Lock()
		r.t.Or(v.t[k])
		r.f.Or(v.f[k])
		r.mu.Unlock()
	}
	return nil
}

// keptIn counts the rows of [first, first+n) in m.
func keptIn(m *roaring64.Bitmap, first, n int64) uint64 {
	if n <= 0 {
		return 0
	}
	kept := m.Rank(uint64(first + n - 1))
	if first > 0 {
		kept -= m.Rank(uint64(first - 1))
	}
	return kept
}
