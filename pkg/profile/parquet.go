package profile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// ScanOptions says what to profile of a set of Parquet files.
type ScanOptions struct {
	// Shard, when set, profiles only the row groups of shard Index of Count.
	Shard *Shard
	// Columns, when set, profiles only these columns (dotted paths);
	// Exclude leaves columns out. Either way unread columns cost nothing.
	Columns, Exclude []string
	// Parquet tunes the scan: workers, largest page.
	Parquet parquetx.ScanOptions
}

// Skipped is a column that was not profiled, and why.
type Skipped struct {
	Column, Reason string
}

// Scan profiles the leaf columns of files with parquetx's parallel scan.
//
// Files are taken in path order and their row groups numbered in that order;
// shard I of N takes every row group whose number is I modulo N, so the
// shards of a matrix job are disjoint, cover the dataset and do not depend on
// the order the files were named in. Each column chunk is profiled on its own
// and the chunks are merged in (file, row group) order as they complete, so
// the result is deterministic and memory is bounded by the sketches (and the
// chunks still waiting for an earlier one), not by rows.
func Scan(ctx context.Context, files []*parquetx.File, opts ScanOptions) (*Profile, []Skipped, error) {
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no Parquet files to profile")
	}
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b *parquetx.File) int { return cmp.Compare(a.Path, b.Path) })
	columns, skipped, err := leafColumns(files)
	if err != nil {
		return nil, nil, err
	}
	if columns, err = selectColumns(columns, opts); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", files[0].Path, err)
	}

	// Number the row groups and pick this shard's.
	p := New()
	p.Shard = opts.Shard
	order := map[*parquetx.File][]int{} // row group -> merge position, -1 when not in the shard
	positions := 0
	global := 0
	for _, f := range files {
		src := Source{Path: f.Path, RowGroups: []int{}}
		ranks := make([]int, f.NumRowGroups())
		for rg := range ranks {
			ranks[rg] = -1
			if opts.Shard == nil || global%opts.Shard.Count == opts.Shard.Index {
				ranks[rg] = positions
				positions++
				src.RowGroups = append(src.RowGroups, rg)
				src.Rows += f.RowGroupRows(rg) - f.RowGroupExcluded(rg)
			}
			global++
		}
		order[f] = ranks
		p.Rows += src.Rows
		p.Sources = append(p.Sources, src)
	}

	mergers := make(map[string]*orderedMerge, len(columns))
	names := make([]string, 0, len(columns))
	for _, c := range columns {
		mergers[c.name] = &orderedMerge{total: positions, pending: map[int]*Column{}, into: NewColumn(c.name, c.kind, c.typ)}
		names = append(names, c.name)
	}
	byName := map[string]columnSpec{}
	for _, c := range columns {
		byName[c.name] = c
	}
	err = parquetx.Scan(ctx, files, names, opts.Parquet, func(ch *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
		pos := order[ch.File][ch.RowGroup]
		if pos < 0 {
			return nil, nil
		}
		spec := byName[ch.Column.Path]
		v := &chunkVisitor{col: ch.Column, into: NewColumn(spec.name, spec.kind, spec.typ), done: func(c *Column) error {
			return mergers[spec.name].add(pos, c)
		}, elementLevel: ch.File.Schema.ElementLevel(ch.Column)}
		if pageKind(ch.Column, spec.kind) {
			return newPageVisitor(v), nil
		}
		return v, nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, name := range names {
		m := mergers[name]
		if m.next != m.total {
			return nil, nil, fmt.Errorf("column %s: %d of %d row groups were profiled", name, m.next, m.total)
		}
		p.Columns = append(p.Columns, m.into)
	}
	p.Finish()
	return p, skipped, nil
}

// columnSpec is one column to profile.
type columnSpec struct {
	name, typ string
	kind      Kind
}

// leafColumns lists the profilable leaf columns, which every file must have
// with the same type, and the ones left out.
func leafColumns(files []*parquetx.File) ([]columnSpec, []Skipped, error) {
	var specs []columnSpec
	var skipped []Skipped
	for _, leaf := range files[0].Schema.Leaves {
		kind, ok := kindOf(leaf)
		if !ok {
			skipped = append(skipped, Skipped{leaf.Path, fmt.Sprintf("type %s is not profiled", leaf.Type)})
			continue
		}
		for _, f := range files[1:] {
			other := f.Schema.Lookup(leaf.Path)
			if other == nil || !other.Leaf || other.Type.String() != leaf.Type.String() || other.Physical != leaf.Physical {
				return nil, nil, fmt.Errorf("%s: column %q does not match %s's (%s): profile files of one schema together", f.Path, leaf.Path, files[0].Path, leaf.Type)
			}
		}
		specs = append(specs, columnSpec{name: leaf.Path, typ: leaf.Type.String(), kind: kind})
	}
	for _, f := range files[1:] {
		for _, leaf := range f.Schema.Leaves {
			if files[0].Schema.Lookup(leaf.Path) == nil {
				return nil, nil, fmt.Errorf("%s: column %q is not in %s: profile files of one schema together", f.Path, leaf.Path, files[0].Path)
			}
		}
	}
	return specs, skipped, nil
}

// selectColumns applies opts.Columns and opts.Exclude.
func selectColumns(all []columnSpec, opts ScanOptions) ([]columnSpec, error) {
	byName := map[string]columnSpec{}
	for _, c := range all {
		byName[c.name] = c
	}
	var out []columnSpec
	if len(opts.Columns) > 0 {
		for _, name := range opts.Columns {
			c, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("no profilable column %q", name)
			}
			if !slices.ContainsFunc(out, func(o columnSpec) bool { return o.name == name }) {
				out = append(out, c)
			}
		}
	} else {
		out = all
	}
	return slices.DeleteFunc(slices.Clone(out), func(c columnSpec) bool { return slices.Contains(opts.Exclude, c.name) }), nil
}

// kindOf says how a leaf is profiled: numbers (integers, floats, decimals,
// dates and timestamps in their unit) as numeric, strings, binary and
// booleans as categorical. INT96 and other exotic types are left out.
func kindOf(c *parquetx.Column) (Kind, bool) {
	switch {
	case c.ExactNumeric():
		return Numeric, true
	case c.Physical == format.ByteArray || c.Physical == format.FixedLenByteArray || c.Physical == format.Boolean:
		return Categorical, true
	}
	return "", false
}

// chunkVisitor profiles one column chunk.
type chunkVisitor struct {
	col  *parquetx.Column
	into *Column
	done func(*Column) error
	// elementLevel is the definition level from which a value of a leaf in a
	// list or map exists: below it the list is empty or null, which is no
	// element at all (and no null element), as SQL's unnest sees it.
	elementLevel int
	exact        func(parquet.Value) (parquetx.Exact, bool)
	// ints and floats are the batch's non-null values of a signed integer or
	// double column, decoded into reused slices for the batch paths.
	ints   []int64
	floats []float64
}

// absent reports whether a null stands for no value (an empty or null list).
func (v *chunkVisitor) absent(val parquet.Value) bool {
	return val.IsNull() && val.DefinitionLevel() < v.elementLevel
}

func (v *chunkVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }

func (v *chunkVisitor) Values(b parquetx.Batch) error {
	c := v.into
	if c.Kind == Numeric && v.batchValues(b.Values) {
		return nil
	}
	if c.Kind == Numeric {
		if v.exact == nil {
			v.exact = v.col.ExactReader()
		}
		for _, val := range b.Values {
			if x, ok := v.exact(val); ok {
				c.AddExact(x)
			} else if !v.absent(val) {
				c.AddNull()
			}
		}
		return nil
	}
	raw := v.col.Type.Name.IsString()
	// Booleans are counted as the categories "true" and "false".
	boolean := v.col.Physical == format.Boolean
	trueBytes, falseBytes := []byte("true"), []byte("false")
	for _, val := range b.Values {
		switch {
		case val.IsNull() && v.absent(val):
		case val.IsNull():
			c.AddNull()
		case raw:
			c.AddBytes(val.ByteArray())
		case boolean && val.Boolean():
			c.AddBytes(trueBytes)
		case boolean:
			c.AddBytes(falseBytes)
		default:
			s, _ := v.col.Text(val)
			c.AddBytes([]byte(s))
		}
	}
	return nil
}

// batchValues profiles the values of a signed integer or double column with
// the batch paths, reporting false for other types (which go value by value).
func (v *chunkVisitor) batchValues(vals []parquet.Value) bool {
	signed := !v.col.Type.Name.IsUnsigned() && !v.col.Type.Name.IsDecimal() // as ExactReader
	c := v.into
	switch {
	case signed && (v.col.Physical == format.Int32 || v.col.Physical == format.Int64):
		i32 := v.col.Physical == format.Int32
		xs := v.ints[:0]
		for i := range vals {
			val := &vals[i]
			switch {
			case val.IsNull():
				if !v.absent(*val) {
					c.AddNull()
				}
			case i32:
				xs = append(xs, int64(val.Int32()))
			default:
				xs = append(xs, val.Int64())
			}
		}
		v.ints = xs
		c.addInts(xs)
	case v.col.Physical == format.Double:
		xs := v.floats[:0]
		for i := range vals {
			if val := &vals[i]; val.IsNull() {
				if !v.absent(*val) {
					c.AddNull()
				}
			} else {
				xs = append(xs, val.Double())
			}
		}
		v.floats = xs
		c.addFloats(xs)
	default:
		return false
	}
	return true
}

func (v *chunkVisitor) Close() error { return v.done(v.into) }

// orderedMerge merges chunk profiles in row-group order as they complete, so
// that floating-point results do not depend on which worker finished first.
type orderedMerge struct {
	mu      sync.Mutex
	next    int
	total   int
	pending map[int]*Column
	into    *Column
}

func (m *orderedMerge) add(pos int, c *Column) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending[pos] = c
	for {
		c, ok := m.pending[m.next]
		if !ok {
			return nil
		}
		delete(m.pending, m.next)
		if err := m.into.Merge(c); err != nil {
			return err
		}
		m.next++
	}
}
