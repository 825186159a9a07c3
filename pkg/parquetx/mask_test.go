package parquetx

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"
)

// excludedSet is the rows the mask tests exclude from a 3000-row file in
// row groups of 1000: rows of the first two row groups only, so the third
// still shows that an unmasked chunk keeps its dictionary.
func excludedSet() *roaring64.Bitmap {
	bm := roaring64.BitmapOf(0, 5, 999, 1000, 1998)
	bm.AddRange(1500, 1600)
	return bm
}

func TestExcludedRowsNeverReachVisitors(t *testing.T) {
	const n = 3000
	f, err := Open(writeScanFile(t, n, 1000))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex := excludedSet()
	if err := f.ExcludeRows(ex); err != nil {
		t.Fatal(err)
	}
	if got, want := f.LiveRows(), int64(n)-int64(ex.GetCardinality()); got != want {
		t.Fatalf("LiveRows %d, want %d", got, want)
	}
	if got := f.RowGroupExcluded(2); got != 0 {
		t.Fatalf("row group 2 has %d excluded rows, want 0", got)
	}
	// Values, then whole pages (the name column is dictionary-encoded).
	var mu sync.Mutex
	byRow := map[string]map[int64][]string{}
	dicts := 0
	err = Scan(context.Background(), []*File{f}, []string{"id", "name", "tags.list.element"}, ScanOptions{Workers: 2, BatchSize: 64},
		func(c *Chunk) (ChunkVisitor, error) {
			return &recorder{mu: &mu, byRow: byRow, col: c.Column, local: map[int64][]string{}, dicts: &dicts}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if dicts != 1 {
		t.Errorf("%d dictionaries shown, want 1 (only the row group without excluded rows)", dicts)
	}
	for _, col := range []string{"id", "name", "tags.list.element"} {
		for i := int64(0); i < n; i++ {
			if got := byRow[col][i]; (len(got) > 0) == ex.Contains(uint64(i)) {
				t.Fatalf("column %s row %d: values %v, excluded %v", col, i, got, ex.Contains(uint64(i)))
			}
		}
	}
	total := int64(0)
	rows := map[int64]bool{}
	err = Scan(context.Background(), []*File{f}, []string{"name"}, ScanOptions{Workers: 2}, func(c *Chunk) (ChunkVisitor, error) {
		return &pageCounter{counter{mu: &mu, values: &total, rows: rows}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != f.LiveRows() || int64(len(rows)) != f.LiveRows() {
		t.Fatalf("page visitors saw %d values in %d rows, want %d", total, len(rows), f.LiveRows())
	}
	for r := range rows {
		if ex.Contains(uint64(r)) {
			t.Fatalf("page visitor saw excluded row %d", r)
		}
	}
}

// skipper is a page selector that needs no page, keeping the pages it is
// shown.
type skipper struct {
	counter
	shown []PageStats
}

func (s *skipper) SelectPages(pages []PageStats) []bool {
	s.shown = append(s.shown, pages...)
	return make([]bool, len(pages))
}

func TestPageSelectorsSeeLiveRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pages.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID int64 `parquet:"id"`
	}
	w := parquet.NewGenericWriter[row](out, parquet.PageBufferSize(512))
	for i := range 4000 {
		if _, err := w.Write([]row{{int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pages, err := f.Pages(0, f.Schema.Lookup("id"))
	if err != nil || len(pages) < 4 {
		t.Fatalf("%d pages (%v): the test needs a page index over several pages", len(pages), err)
	}
	if err := f.ExcludeRows(roaring64.BitmapOf(uint64(pages[2].FirstRow))); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	total := int64(0)
	sel := &skipper{counter: counter{mu: &mu, values: &total, rows: map[int64]bool{}}}
	err = Scan(context.Background(), []*File{f}, []string{"id"}, ScanOptions{Workers: 1}, func(c *Chunk) (ChunkVisitor, error) {
		return sel, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A selector accounts for the pages it skips from their statistics:
	// the page holding an excluded row must count one row less.
	if len(sel.shown) != len(pages) || total != 0 {
		t.Fatalf("shown %d of %d pages, read %d values", len(sel.shown), len(pages), total)
	}
	for i, p := range sel.shown {
		want := pages[i].Rows
		if i == 2 {
			want--
		}
		if p.Rows != want || p.NullCount != 0 || !p.HasNullCount {
			t.Fatalf("page %d shown with %d rows (%d nulls, known %v), want %d", i, p.Rows, p.NullCount, p.HasNullCount, want)
		}
	}
}

func TestExcludeRowsPastTheEnd(t *testing.T) {
	f, err := Open(writeScanFile(t, 10, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.ExcludeRows(roaring64.BitmapOf(10)); err == nil {
		t.Fatal("excluding row 10 of a 10-row file succeeded")
	}
	if err := f.ExcludeRows(roaring64.BitmapOf(9)); err != nil || f.LiveRows() != 9 || !f.Excluded(9) || f.Excluded(8) {
		t.Fatalf("err %v, %d live rows", err, f.LiveRows())
	}
}
