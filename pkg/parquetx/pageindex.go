package parquetx

import (
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// PageStats is what a trusted page index says about one data page of a
// chunk. Bounds are set only when every page that is not all null has
// trusted ones.
type PageStats struct {
	// FirstRow is the page's first row within the row group; Rows its row count.
	FirstRow, Rows int64
	NullCount      int64
	HasNullCount   bool
	// NullPage is true when every value of the page is null.
	NullPage  bool
	Min, Max  parquet.Value
	HasBounds bool
	// span is where the offset index locates the page.
	span pageSpan
}

// Pages returns the chunk's page index, or nil when it has none or it cannot
// be trusted: one that contradicts the footer or itself is ignored, one that
// crashes the decoder is a *CorruptError.
func (f *File) Pages(rg int, col *Column) ([]PageStats, error) {
	st := chunkStats(f.meta, f.mirror, col, rg, col.Index)
	cc := &f.meta.RowGroups[rg].Columns[col.Index]
	if cc.ColumnIndexLength <= 0 || cc.OffsetIndexLength <= 0 {
		return nil, nil
	}
	var ci format.ColumnIndex
	var oi format.OffsetIndex
	ok, err := f.readIndex(st, col, cc.ColumnIndexOffset, cc.ColumnIndexLength, &ci)
	if err != nil || !ok {
		return nil, err
	}
	if ok, err = f.readIndex(st, col, cc.OffsetIndexOffset, cc.OffsetIndexLength, &oi); err != nil || !ok {
		return nil, err
	}
	rows, ok := f.pageRows(st, col, &ci, &oi)
	if !ok {
		return nil, nil
	}
	pages := make([]PageStats, len(rows))
	for i := range pages {
		l := oi.PageLocations[i]
		pages[i] = PageStats{FirstRow: l.FirstRowIndex, Rows: rows[i], NullPage: ci.NullPages[i], span: pageSpan{l.Offset, int64(l.CompressedPageSize)}}
	}
	if _, ok := pageNulls(col, &ci, rows, st.NumValues); ok {
		for i := range pages {
			pages[i].NullCount, pages[i].HasNullCount = ci.NullCounts[i], true
		}
	}
	if mins, maxs, ok := f.pageBounds(st, col, &ci); ok {
		for i := range pages {
			pages[i].Min, pages[i].Max, pages[i].HasBounds = mins[i], maxs[i], !pages[i].NullPage
		}
	}
	return pages, nil
}

// withPageIndex fills the bounds and null count that the chunk's footer
// statistics lack from its page index, so that checks they prove need no
// decoding: the smallest page minimum, the largest page maximum, and the sum
// of the page null counts.
func (f *File) withPageIndex(st ChunkStats, col *Column) (ChunkStats, error) {
	wantNulls := !st.HasNullCount && col.MaxDefinitionLevel > 0
	if !wantNulls && st.HasMin && st.HasMax {
		return st, nil
	}
	pages, err := f.Pages(st.RowGroup, col)
	if err != nil || len(pages) == 0 {
		return st, err
	}
	out := st
	if wantNulls && pages[0].HasNullCount {
		out.NullCount, out.HasNullCount = 0, true
		for _, p := range pages {
			out.NullCount += p.NullCount
		}
	}
	cmp := f.compare(st.RowGroup, col)
	var lo, hi parquet.Value
	bounded := false
	for _, p := range pages {
		if !p.HasBounds {
			continue
		}
		if !bounded || cmp(p.Min, lo) < 0 {
			lo = p.Min
		}
		if !bounded || cmp(p.Max, hi) > 0 {
			hi = p.Max
		}
		bounded = true
	}
	if bounded && !st.HasMin {
		out.Min, out.HasMin, out.MinExact = lo, true, exactBounds(col)
	}
	if bounded && !st.HasMax {
		out.Max, out.HasMax, out.MaxExact = hi, true, exactBounds(col)
	}
	return out, nil
}

// compare orders values of the chunk's column as its type defines.
func (f *File) compare(rg int, col *Column) func(a, b parquet.Value) int {
	return f.pq.RowGroups()[rg].ColumnChunks()[col.Index].Type().Compare
}

// pageNulls sums the pages' null counts, when every page has one that fits:
// in a flat column each row is one value, so a page holds at most its row
// count of nulls, and a null page exactly that many; the sum cannot exceed
// the chunk's value count.
func pageNulls(col *Column, ci *format.ColumnIndex, rows []int64, numValues int64) (int64, bool) {
	if len(ci.NullCounts) != len(rows) {
		return 0, false
	}
	var sum int64
	for i, n := range ci.NullCounts {
		if n < 0 || (col.MaxRepetitionLevel == 0 && (n > rows[i] || (ci.NullPages[i] && n != rows[i]))) {
			return 0, false
		}
		sum += n
	}
	return sum, sum <= numValues
}

// exactBounds says whether page index bounds are values of the column: byte
// array bounds may be truncated, and the column index has no flag saying so.
func exactBounds(col *Column) bool {
	return col.Physical != format.ByteArray && col.Physical != format.FixedLenByteArray
}

// readIndex decodes one page index structure. It reports false when the
// bytes lie outside the file or do not decode (the index is then not used).
func (f *File) readIndex(st ChunkStats, col *Column, off int64, n int32, into any) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			ok, err = false, &CorruptError{File: f.Path, RowGroup: st.RowGroup, Column: col.Path,
				Reason: fmt.Sprintf("the Parquet reader crashed on the page index (%v)", p)}
		}
	}()
	if off < 4 || off+int64(n) > f.Size-8 {
		return false, nil
	}
	buf := make([]byte, n)
	if _, err := f.file.ReadAt(buf, off); err != nil {
		return false, nil
	}
	return thrift.Unmarshal(new(thrift.CompactProtocol), buf, into) == nil, nil
}

// pageRows cross-checks the column and offset indexes against the footer and
// returns each page's row count, or false when they disagree: lists of the
// page count, pages inside the chunk in increasing order, first row indexes
// increasing from 0 within the row group, and as many pages as the footer's
// page encoding stats count.
func (f *File) pageRows(st ChunkStats, col *Column, ci *format.ColumnIndex, oi *format.OffsetIndex) ([]int64, bool) {
	locs := oi.PageLocations
	n := len(locs)
	if n == 0 || len(ci.NullPages) != n || len(ci.MinValues) != n || len(ci.MaxValues) != n ||
		(len(ci.NullCounts) != 0 && len(ci.NullCounts) != n) {
		return nil, false
	}
	start, end := chunkRange(&Chunk{File: f, RowGroup: st.RowGroup, Column: col})
	rows := make([]int64, n)
	for i, l := range locs {
		if l.Offset < start || l.CompressedPageSize <= 0 || l.Offset+int64(l.CompressedPageSize) > end {
			return nil, false
		}
		if i == 0 && l.FirstRowIndex != 0 {
			return nil, false
		}
		next := st.NumRows
		if i+1 < n {
			next = locs[i+1].FirstRowIndex
			if locs[i+1].Offset < l.Offset+int64(l.CompressedPageSize) {
				return nil, false
			}
		}
		if next <= l.FirstRowIndex {
			return nil, false
		}
		rows[i] = next - l.FirstRowIndex
	}
	cm := &f.meta.RowGroups[st.RowGroup].Columns[col.Index].MetaData
	if len(cm.EncodingStats) > 0 {
		var pages int64
		for _, es := range cm.EncodingStats {
			if es.PageType == format.DataPage || es.PageType == format.DataPageV2 {
				pages += int64(es.Count)
			}
		}
		if pages != int64(n) {
			return nil, false
		}
	}
	return rows, true
}

// pageBounds decodes each page's min and max under the same trust rules as
// the footer's bounds. Every page that is not all nulls must have bounds that
// decode (no NaN), with min <= max, in the boundary order the index declares.
func (f *File) pageBounds(st ChunkStats, col *Column, ci *format.ColumnIndex) (mins, maxs []parquet.Value, ok bool) {
	if !boundsOrderKnown(f.meta, col, col.Index, true) {
		return nil, nil, false
	}
	cmp := f.compare(st.RowGroup, col)
	mins = make([]parquet.Value, len(ci.NullPages))
	maxs = make([]parquet.Value, len(ci.NullPages))
	prev := -1
	for i := range ci.NullPages {
		if ci.NullPages[i] {
			continue
		}
		mn, ok1 := decodeBound(col, ci.MinValues[i])
		mx, ok2 := decodeBound(col, ci.MaxValues[i])
		if !ok1 || !ok2 || cmp(mn, mx) > 0 {
			return nil, nil, false
		}
		if prev >= 0 {
			switch ci.BoundaryOrder {
			case format.Ascending:
				if cmp(mn, mins[prev]) < 0 || cmp(mx, maxs[prev]) < 0 {
					return nil, nil, false
				}
			case format.Descending:
				if cmp(mn, mins[prev]) > 0 || cmp(mx, maxs[prev]) > 0 {
					return nil, nil, false
				}
			}
		}
		mins[i], maxs[i], prev = mn, mx, i
	}
	return mins, maxs, true
}
