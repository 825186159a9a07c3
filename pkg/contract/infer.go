package contract

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
	sketch "github.com/mlgate/mlgate/pkg/profile"
)

// maxInferredAllowed is the most distinct values a string column may have
// for Infer to write them as its allowed list.
const maxInferredAllowed = 20

// Infer writes a contract that describes the dataset formed by files: each
// column's type and nullability, numeric ranges rounded outward to two
// significant digits, the allowed values of low-cardinality strings, and
// uniqueness where the data has no duplicates. The contract validates the
// data it came from.
func Infer(ctx context.Context, name string, files []*parquetx.File, opts Options) (*Contract, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no files to infer a contract from")
	}
	ref := files[0]
	c := &Contract{Name: name, Dataset: Dataset{Strict: &Rule[bool]{Value: true}}}
	var scanned []*parquetx.Column
	for _, col := range ref.Schema.Columns {
		if !describable(ref.Schema, col) {
			continue
		}
		for _, f := range files[1:] {
			other := f.Schema.Lookup(col.Path)
			if other == nil || other.Type != col.Type {
				return nil, fmt.Errorf("%s and %s disagree on column %q; infer a contract per schema", ref.Path, f.Path, col.Path)
			}
		}
		cc := &Column{Name: col.Path, Type: &Rule[TypeSpec]{Value: SpecOf(col.Type)}}
		c.Columns = append(c.Columns, cc)
		if col.Leaf && !col.InCollection {
			scanned = append(scanned, col)
		} else {
			cc.Nullable = &Rule[bool]{Value: col.Repetition == "optional"}
		}
	}
	profiles := map[string]*profile{}
	for _, col := range scanned {
		profiles[col.Path] = &profile{distinct: map[string]bool{}}
	}
	// Every leaf is read, profiled or not, so that a contract is never
	// inferred from corrupt data.
	var mu sync.Mutex
	for _, f := range files {
		var names []string
		for _, col := range f.Schema.Leaves {
			names = append(names, col.Path)
		}
		err := parquetx.Scan(ctx, []*parquetx.File{f}, names, opts.Scan, func(ch *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			into := profiles[ch.Column.Path]
			if into == nil {
				into = &profile{distinct: map[string]bool{}}
			}
			return &profileVisitor{col: ch.Column, into: into, mu: &mu, local: &profile{distinct: map[string]bool{}}}, nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Uniqueness: run the engine itself with unique on every candidate.
	var candidates []*parquetx.Column
	for _, col := range scanned {
		p := profiles[col.Path]
		cc := c.Column(col.Path)
		cc.Nullable = &Rule[bool]{Value: p.nulls > 0}
		if col.ExactNumeric() && !col.Type.Name.IsTemporal() && p.min != nil {
			// Infinite ends get no bound, and NaN (above every max) none above.
			if lo, ok := roundExact(*p.min, true); ok {
				cc.Min = &Rule[Number]{Value: lo}
			}
			if hi, ok := roundExact(*p.max, false); ok && !p.nan {
				cc.Max = &Rule[Number]{Value: hi}
			}
		}
		if col.Type.Name == parquetx.TypeString && !p.overflow && len(p.distinct) > 0 && p.values-p.nulls >= 2*int64(len(p.distinct)) {
			cc.Allowed = &Rule[[]string]{Value: slices.Sorted(maps.Keys(p.distinct))}
		}
		fewValues := !p.overflow && len(p.distinct) > 0 && int64(len(p.distinct)) < p.values-p.nulls
		if uniqueCandidate(col) && p.values-p.nulls > 1 && !fewValues && p.nearlyDistinct() {
			candidates = append(candidates, col)
		}
	}
	var rows int64
	for _, f := range files {
		rows += f.LiveRows()
	}
	for _, col := range candidates {
		unique, err := probeUnique(ctx, files, col.Path, keyPasses(rows, col, opts.Scan.Memory), opts)
		if err != nil {
			return nil, err
		}
		if unique {
			c.Column(col.Path).Unique = &Rule[bool]{Value: true}
		}
	}
	return c, nil
}

// keyPasses is how many passes the exact uniqueness check of col takes to
// keep its hashes within a quarter of the memory budget (the rest is the
// scan's, the binary's and the runtime's): it holds 8 bytes per row, up to
// twice that while its buffers grow, and each pass keeps the keys of one
// hash range, as the shards of a sharded validation do. An integer column
// is one pass: a bitmap over its range usually replaces the hashes.
func keyPasses(rows int64, col *parquetx.Column, memory int64) int {
	if col != nil && (col.Physical == format.Int32 || col.Physical == format.Int64) {
		return 1
	}
	if memory <= 0 {
		memory = parquetx.DefaultMemory
	}
	return int(max(1, (16*rows+memory/4-1)/(memory/4)))
}

// probeUnique runs the exact uniqueness check of one column (one column at
// a time, in passes over hash ranges, so memory is bounded by the budget
// and not by the rows times the candidates).
func probeUnique(ctx context.Context, files []*parquetx.File, column string, passes int, opts Options) (bool, error) {
	plan, err := Compile(&Contract{File: "(inferred)", Columns: []*Column{{Name: column, Unique: &Rule[bool]{Value: true}}}})
	if err != nil {
		return false, err
	}
	for i := range passes {
		if passes > 1 {
			opts.Shard = &evidence.Shard{Index: i, Count: passes}
		}
		res, err := plan.Run(ctx, files, opts)
		if err != nil {
			return false, err
		}
		for _, chk := range res.Checks {
			if strings.HasSuffix(chk.ID, ".unique") && (chk.Failures != 0 || chk.Status != evidence.StatusPass) {
				return false, nil
			}
		}
	}
	return true, nil
}

// nearlyDistinct reports whether the column's non-null values may all
// differ: the sketch is exact for a few hundred values, and beyond that
// errs by about 1.6%, so an estimate under 90% of the values means
// duplicates for certain, and the exact check (which on a column of many
// duplicates held every duplicated value to report it) is not run.
func (p *profile) nearlyDistinct() bool {
	n := p.values - p.nulls
	est := p.seen.Estimate()
	if p.seen.Exact() {
		return est >= n
	}
	return float64(est) >= 0.9*float64(n)
}

// describable reports whether a schema node gets its own contract entry:
// leaves outside collections, and the top of each list or map (whose
// elements are not constrained one by one). Structs are described by their
// leaves' dotted paths.
func describable(s *parquetx.Schema, col *parquetx.Column) bool {
	if col.Type.Name == parquetx.TypeStruct {
		return false
	}
	if !col.InCollection {
		return true
	}
	parent := s.Lookup(parentPath(col.Path))
	topOfCollection := col.Type.Name.IsCollection() || col.Repetition == "repeated"
	return topOfCollection && (parent == nil || !parent.InCollection && !parent.Type.Name.IsCollection())
}

func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' {
			return p[:i]
		}
	}
	return ""
}

func uniqueCandidate(col *parquetx.Column) bool {
	n := col.Type.Name
	return (n.IsInteger() || n == parquetx.TypeString || n == parquetx.TypeUUID || n == parquetx.TypeBinary) && col.MaxRepetitionLevel == 0
}

// profile is what Infer learns about a column.
type profile struct {
	values, nulls int64
	// min and max are the extremes of the numbers other than NaN.
	min, max *parquetx.Exact
	nan      bool
	distinct map[string]bool
	overflow bool
	// seen estimates the distinct non-null values, so that uniqueness is
	// probed only where the data may have it (see nearlyDistinct).
	seen sketch.Distinct
}

func (p *profile) merge(o *profile) {
	p.values += o.values
	p.nulls += o.nulls
	p.note(o.min)
	p.note(o.max)
	p.nan = p.nan || o.nan
	p.overflow = p.overflow || o.overflow
	p.seen.Merge(&o.seen)
	for k := range o.distinct {
		if p.distinct[k] {
			continue
		}
		if len(p.distinct) >= maxInferredAllowed {
			p.overflow = true
			break
		}
		p.distinct[k] = true
	}
}

// note widens min and max to x.
func (p *profile) note(x *parquetx.Exact) {
	if x == nil {
		return
	}
	if p.min == nil || compareExact(*x, *p.min) < 0 {
		v := *x
		p.min = &v
	}
	if p.max == nil || compareExact(*x, *p.max) > 0 {
		v := *x
		p.max = &v
	}
}

// roundExact rounds a bound outward to two significant digits, exactly for
// integers and decimals; false for an infinity.
func roundExact(x parquetx.Exact, down bool) (Number, bool) {
	if x.Float {
		if math.IsInf(x.F, 0) || math.IsNaN(x.F) {
			return Number{}, false
		}
		r := roundUp(x.F, false)
		if down {
			r = roundDown(x.F, false)
		}
		n, err := ParseNumber(strconv.FormatFloat(r+0, 'g', -1, 64)) // +0 turns -0 into 0
		return n, err == nil
	}
	u := x.Int.Big()
	digits := len(new(big.Int).Abs(u).String())
	if digits > 2 {
		m := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits-2)), nil)
		q, r := new(big.Int).DivMod(u, m, new(big.Int)) // Euclidean: q is the floor
		if !down && r.Sign() != 0 {
			q.Add(q, big.NewInt(1))
		}
		u = q.Mul(q, m)
	}
	v, ok := parquetx.Int128FromBig(u)
	if !ok {
		v = x.Int // rounding would leave 128 bits: keep the value itself
	}
	return NumberOfExact(parquetx.Exact{Int: v, Scale: x.Scale}), true
}

type profileVisitor struct {
	col   *parquetx.Column
	into  *profile
	local *profile
	mu    *sync.Mutex
}

func (v *profileVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }

func (v *profileVisitor) Values(b parquetx.Batch) error {
	p := v.local
	for _, val := range b.Values {
		p.values++
		if val.IsNull() {
			p.nulls++
			continue
		}
		p.seen.AddHash(stableHash(val))
		if x, ok := v.col.Exact(val); ok {
			if x.Float && math.IsNaN(x.F) {
				p.nan = true
			} else {
				p.note(&x)
			}
		}
		if v.col.Type.Name == parquetx.TypeString && !p.overflow {
			s, _ := v.col.Text(val)
			if !p.distinct[s] {
				if len(p.distinct) >= maxInferredAllowed {
					p.overflow = true
				} else {
					p.distinct[s] = true
				}
			}
		}
	}
	return nil
}

func (v *profileVisitor) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.into.merge(v.local)
	return nil
}

// roundDown and roundUp round outward to two significant digits (integers
// for integer columns), never crossing the value.
func roundDown(x float64, integer bool) float64 { return roundOut(x, integer, math.Floor) }
func roundUp(x float64, integer bool) float64   { return roundOut(x, integer, math.Ceil) }

func roundOut(x float64, integer bool, f func(float64) float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	mag := math.Pow(10, math.Floor(math.Log10(math.Abs(x)))-1)
	if integer && mag < 1 {
		mag = 1
	}
	r := f(x/mag) * mag
	down := f(0.5) == 0 // f is math.Floor
	if down && r > x {
		r -= mag
	}
	if !down && r < x {
		r += mag
	}
	if integer {
		return math.Round(r)
	}
	// Drop binary noise (1.2000000000000002) unless that crosses the value.
	if clean, err := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64); err == nil && (down && clean <= x || !down && clean >= x) {
		r = clean
	}
	return r
}
