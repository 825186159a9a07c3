package parquetx

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// A view renames a column (same chunks), hides one, and adds constants: a
// value and a null in every row, with exact statistics, no pages, and a
// scan that offers the one value as a dictionary before any values.
func TestView(t *testing.T) {
	type row struct {
		A int64  `parquet:"a"`
		B string `parquet:"b"`
	}
	path := filepath.Join(t.TempDir(), "v.parquet")
	var rows []row
	for i := range 5000 {
		rows = append(rows, row{A: int64(i), B: "x"})
	}
	if err := parquet.WriteFile(path, rows, parquet.MaxRowsPerRowGroup(2000)); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	day := NewConst(Type{Name: TypeDate}, format.Int32, 0, parquet.Int32Value(19000))
	none := NewConst(Type{Name: TypeString}, format.ByteArray, 0, parquet.Value{})
	if err := f.View([]ViewColumn{{Name: "renamed", Source: "a"}, {Name: "day", Const: day}, {Name: "none", Const: none}}); err != nil {
		t.Fatal(err)
	}
	if f.Schema.Lookup("a") != nil || f.Schema.Lookup("b") != nil || len(f.Schema.Leaves) != 3 {
		t.Fatalf("the view shows %d leaves, a or b still there", len(f.Schema.Leaves))
	}
	d := f.Schema.Lookup("day")
	for rg := range f.NumRowGroups() {
		st, err := f.Stats(rg, d)
		if err != nil || !st.HasMin || st.Min.Int32() != 19000 || st.Max.Int32() != 19000 || !st.HasNullCount || st.NullCount != 0 || st.NumValues != f.RowGroupRows(rg) {
			t.Fatalf("row group %d: stats %+v (%v)", rg, st, err)
		}
		if st, _ := f.Stats(rg, f.Schema.Lookup("none")); st.NullCount != f.RowGroupRows(rg) || st.HasMin {
			t.Fatalf("null constant: %+v", st)
		}
		if err := f.CheckPages(rg, d, 0); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]int64{} // one worker: no locks
	dicts := 0
	err = Scan(context.Background(), []*File{f}, []string{"renamed", "day", "none"}, ScanOptions{Workers: 1}, func(c *Chunk) (ChunkVisitor, error) {
		return &viewVisitor{col: c.Column.Path, got: got, dicts: &dicts}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["renamed"] != 5000*4999/2 || got["day"] != 5000*19000 || got["none"] != 5000 || dicts != 3 {
		t.Fatalf("got %v, %d dictionaries of day", got, dicts)
	}
}

type viewVisitor struct {
	col   string
	got   map[string]int64
	dicts *int
}

func (v *viewVisitor) Dictionary(d []parquet.Value) (bool, error) {
	if v.col == "day" && len(d) == 1 && d[0].Int32() == 19000 {
		*v.dicts++
	}
	return true, nil
}

func (v *viewVisitor) Values(b Batch) error {
	for _, x := range b.Values {
		switch {
		case x.IsNull():
			v.got[v.col]++
		case v.col == "renamed":
			v.got[v.col] += x.Int64()
		default:
			v.got[v.col] += int64(x.Int32())
		}
	}
	return nil
}

func (v *viewVisitor) Close() error { return nil }
