package parquetx

import (
	"fmt"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"
)

// Excluded rows: a file may carry a set of row positions (0-based, in file
// order) that are not part of the data, such as rows a lakehouse table
// deleted or rows a row filter leaves out. Scan never shows them to a
// visitor, and every tier deciding from metadata must account for them:
// statistics of a row group that holds excluded rows still bound its live
// values (a subset stays within bounds) but its counts include the
// excluded rows, so they prove passes only, never failures or totals.

// ExcludeRows adds rows to the file's excluded rows. Rows past the end of
// the file are an error: the set was computed for another file.
func (f *File) ExcludeRows(rows *roaring64.Bitmap) error {
	if rows == nil || rows.IsEmpty() {
		return nil
	}
	if m := rows.Maximum(); m >= uint64(f.NumRows) {
		return fmt.Errorf("%s: excluding row %d, but the file has %d rows", f.Path, m, f.NumRows)
	}
	f.statsMu.Lock()
	defer f.statsMu.Unlock()
	// A new set, so that a scan holding the old one is not disturbed.
	next := rows.Clone()
	if f.excluded != nil {
		next.Or(f.excluded)
	}
	f.excluded = next
	return nil
}

// ExcludedRows is the number of excluded rows in [first, first+n).
func (f *File) ExcludedRows(first, n int64) int64 {
	f.statsMu.Lock()
	defer f.statsMu.Unlock()
	return countRange(f.excluded, first, n)
}

// Excluded reports whether row (0-based, in file order) is excluded.
func (f *File) Excluded(row int64) bool {
	f.statsMu.Lock()
	defer f.statsMu.Unlock()
	return f.excluded != nil && row >= 0 && f.excluded.Contains(uint64(row))
}

// LiveRows is the file's row count without its excluded rows.
func (f *File) LiveRows() int64 { return f.NumRows - f.ExcludedRows(0, f.NumRows) }

// RowGroupExcluded is the number of excluded rows of row group rg.
func (f *File) RowGroupExcluded(rg int) int64 {
	return f.ExcludedRows(f.RowGroupStart[rg], f.RowGroupRows(rg))
}

func countRange(bm *roaring64.Bitmap, first, n int64) int64 {
	if bm == nil || n <= 0 || bm.IsEmpty() {
		return 0
	}
	k := bm.Rank(uint64(first + n - 1))
	if first > 0 {
		k -= bm.Rank(uint64(first - 1))
	}
	return int64(k)
}

// maskChunk wraps v so that it never sees the chunk's excluded rows, or
// returns v when the chunk has none.
func maskChunk(c *Chunk, v ChunkVisitor) ChunkVisitor {
	c.File.statsMu.Lock()
	bm := c.File.excluded
	c.File.statsMu.Unlock()
	if countRange(bm, c.FirstRow, c.Stats.NumRows) == 0 {
		return v
	}
	return &maskedVisitor{inner: v, excluded: bm, firstRow: c.FirstRow}
}

// maskedVisitor drops excluded rows from the batches it passes on. It
// hides the dictionary (an entry may occur only in excluded rows, and a
// visitor deciding from it would count excluded rows), takes whole pages
// only where no row is excluded, and shows a page selector live counts.
type maskedVisitor struct {
	inner    ChunkVisitor
	excluded *roaring64.Bitmap
	firstRow int64 // the row group's, which page index rows count from
	vals     []parquet.Value
	rows     []int64
}

func (m *maskedVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }

func (m *maskedVisitor) Values(b Batch) error {
	m.vals, m.rows = m.vals[:0], m.rows[:0]
	for i, r := range b.Rows {
		if !m.excluded.Contains(uint64(r)) {
			m.vals, m.rows = append(m.vals, b.Values[i]), append(m.rows, r)
		}
	}
	if len(m.vals) == 0 {
		return nil
	}
	return m.inner.Values(Batch{Values: m.vals, Rows: m.rows})
}

func (m *maskedVisitor) Close() error { return m.inner.Close() }

// SelectPages shows the inner visitor's selector the pages as their live
// rows are: a page holding excluded rows has fewer rows, its null count
// only when known (none null, or all), and its bounds, which still bound.
// A visitor skipping a page thus accounts for its live rows only. Without
// a selector of its own the visitor reads every page.
func (m *maskedVisitor) SelectPages(pages []PageStats) []bool {
	sel, ok := m.inner.(PageSelector)
	if !ok {
		need := make([]bool, len(pages))
		for i := range need {
			need[i] = true
		}
		return need
	}
	live := make([]PageStats, len(pages))
	for i, p := range pages {
		if k := countRange(m.excluded, m.firstRow+p.FirstRow, p.Rows); k > 0 {
			p.Rows -= k
			switch {
			case p.NullPage:
				p.NullCount, p.HasNullCount = p.Rows, true
			case p.HasNullCount && p.NullCount == 0:
			default:
				p.NullCount, p.HasNullCount = 0, false
			}
		}
		live[i] = p
	}
	return sel.SelectPages(live)
}

// pageVisitor is the visitor that takes the page of rows [first,
// first+n) whole, if any: v itself, or the visitor a mask wraps when none
// of those rows is excluded.
func pageVisitor(v ChunkVisitor, first, n int64) (PageVisitor, bool) {
	if m, ok := v.(*maskedVisitor); ok {
		if countRange(m.excluded, first, n) > 0 {
			return nil, false
		}
		v = m.inner
	}
	pv, ok := v.(PageVisitor)
	return pv, ok
}

// EachExcluded calls fn with each excluded row in [first, first+n), in
// order.
func (f *File) EachExcluded(first, n int64, fn func(row int64)) {
	f.statsMu.Lock()
	bm := f.excluded
	f.statsMu.Unlock()
	if countRange(bm, first, n) == 0 {
		return
	}
	it := bm.Iterator()
	it.AdvanceIfNeeded(uint64(first))
	for it.HasNext() {
		r := int64(it.Next())
		if r >= first+n {
			return
		}
		fn(r)
	}
}
