package parquetx

import (
	"context"
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// A table (Delta, Iceberg) decides a file's columns, not the file: a column
// may be stored under another name (column mapping, a rename matched by
// field id), or not at all (a partition value kept in the table metadata, a
// column added after the file was written). View presents the file under
// the table's logical top-level columns, so every engine reads the table's
// schema through the File and Column model it already knows:
//   - a mapped column is the file's subtree renamed, its leaves reading the
//     same chunks;
//   - a constant column is a leaf holding one value (or null) in every row:
//     its chunk statistics are exact (min = max = the value, the null
//     count), and Scan hands it out as a dictionary of that one value, then
//     the values if the visitor asks for them. It reads no byte.
//   - a column the table promoted (int to long, float to double) has the
//     table's type but keeps the file's physical type, so its values and
//     bounds decode as written and Exact widens them exactly.

// ViewColumn is one top-level column of a view.
type ViewColumn struct {
	// Name is the logical name.
	Name string
	// Source is the top-level path in the file it reads; empty for a
	// constant column.
	Source string
	// Retype, when set, is the table's type of a promoted leaf Source.
	Retype *Type
	// Const describes a constant leaf: its type (Type, Physical,
	// TypeLength, Repetition) and value.
	Const *Column
}

// NewConst is a constant leaf of the given type holding v in every row (a
// null parquet.Value for null).
func NewConst(t Type, physical format.Type, typeLength int, v parquet.Value) *Column {
	c := &Column{Leaf: true, Type: t, Physical: physical, TypeLength: typeLength, Repetition: "optional", MaxDefinitionLevel: 1}
	c.Const = &v
	return c
}

// View replaces f.Schema with the table's columns, in the given order. The
// file's columns not named are hidden. It may be called once, before the
// file is read.
func (f *File) View(cols []ViewColumn) error {
	phys := f.Schema
	s := &Schema{byPath: map[string]*Column{}}
	extra := len(phys.Leaves)
	for _, vc := range cols {
		if vc.Name == "" || s.byPath[vc.Name] != nil {
			return fmt.Errorf("%s: table column %q is empty or named twice", f.Path, vc.Name)
		}
		if vc.Const != nil {
			c := *vc.Const
			c.Path, c.Index = vc.Name, extra
			v := c.Const.Level(0, c.MaxDefinitionLevel, extra)
			if c.Const.IsNull() {
				v = parquet.Value{}.Level(0, 0, extra)
			}
			c.Const = &v
			extra++
			s.add(&c)
			continue
		}
		src := phys.Lookup(vc.Source)
		if src == nil {
			return fmt.Errorf("%s: no column %q for table column %q", f.Path, vc.Source, vc.Name)
		}
		for _, pc := range phys.Columns {
			if pc.Path != vc.Source && !strings.HasPrefix(pc.Path, vc.Source+".") {
				continue
			}
			c := *pc
			c.Path = vc.Name + pc.Path[len(vc.Source):]
			if vc.Retype != nil && pc == src && pc.Leaf {
				c.Type = *vc.Retype
			}
			s.add(&c)
		}
	}
	f.Schema = s
	return nil
}

func (s *Schema) add(c *Column) {
	s.Columns = append(s.Columns, c)
	if c.Leaf {
		s.Leaves = append(s.Leaves, c)
	}
	if _, dup := s.byPath[c.Path]; !dup {
		s.byPath[c.Path] = c
	}
}

// constStats are the exact statistics of a constant column's chunk.
func (f *File) constStats(rg int, c *Column) ChunkStats {
	n := f.RowGroupRows(rg)
	st := ChunkStats{RowGroup: rg, Column: c.Index, NumRows: n, NumValues: n, HasNullCount: true, DictionaryOnly: true}
	if c.Const.IsNull() {
		st.NullCount = n
		return st
	}
	st.Min, st.Max = *c.Const, *c.Const
	st.HasMin, st.HasMax, st.MinExact, st.MaxExact = n > 0, n > 0, true, true
	if n > 0 {
		st.DistinctCount, st.HasDistinctCount = 1, true
	}
	return st
}

// scanConst visits a constant column's chunk: a dictionary of its value
// (empty for null), then, if asked, its values in batches.
func scanConst(ctx context.Context, c *Chunk, opts ScanOptions, open OpenChunk, buf []parquet.Value, rows []int64) error {
	v, err := open(c)
	if err != nil || v == nil {
		return err
	}
	val := *c.Column.Const
	dict := []parquet.Value{val}
	if val.IsNull() {
		dict = nil // a chunk of nulls has no distinct value
	}
	need, err := v.Dictionary(dict)
	if err != nil {
		return err
	}
	n := c.File.RowGroupRows(c.RowGroup)
	for done := int64(0); need && done < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := int(min(int64(len(buf)), n-done))
		for i := range k {
			buf[i], rows[i] = val, c.FirstRow+done+int64(i)
		}
		if err := v.Values(Batch{Values: buf[:k], Rows: rows[:k]}); err != nil {
			return err
		}
		done += int64(k)
	}
	return v.Close()
}
