package profile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

type maskRow struct {
	ID    int64    `parquet:"id"`
	Score *float64 `parquet:"score,optional"`
	Kind  string   `parquet:"kind,dict"`
}

func writeMaskRows(t *testing.T, name string, rows []maskRow) *parquetx.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[maskRow](out, parquet.MaxRowsPerRowGroup(400))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f, err := parquetx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestExcludedRowsAreNotProfiled profiles a file with excluded rows and
// the same rows written without them: the profiles are equal (rows,
// counts, nulls, categories, moments), apart from the source's name.
func TestExcludedRowsAreNotProfiled(t *testing.T) {
	var all, live []maskRow
	ex := roaring64.New()
	for i := range 1000 {
		r := maskRow{ID: int64(i), Kind: []string{"a", "b", "c"}[i%3]}
		if i%10 != 0 {
			s := float64(i) / 7
			r.Score = &s
		}
		if i%13 == 0 || (i >= 390 && i < 420) {
			ex.Add(uint64(i)) // across a row group boundary, nulls among them
			r.Kind = "deleted"
		} else {
			live = append(live, r)
		}
		all = append(all, r)
	}
	masked := writeMaskRows(t, "data.parquet", all)
	if err := masked.ExcludeRows(ex); err != nil {
		t.Fatal(err)
	}
	want, _, err := Scan(context.Background(), []*parquetx.File{writeMaskRows(t, "data.parquet", live)}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Scan(context.Background(), []*parquetx.File{masked}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != int64(len(live)) {
		t.Fatalf("%d rows profiled, want %d", got.Rows, len(live))
	}
	got.Sources, want.Sources = nil, nil
	a, err := Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("profile with excluded rows:\n%s\nprofile without them:\n%s", a, b)
	}
}
