package parquetx

import (
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// withPageIndex fills the bounds and null count that the chunk's footer
// statistics lack from its page index (column index and offset index), so
// that checks they prove need no decoding. A page index that contradicts the
// footer or itself is not trusted; one that crashes the decoder is an error.
func (f *File) withPageIndex(st ChunkStats, col *Column) (ChunkStats, error) {
	wantNulls := !st.HasNullCount && col.MaxDefinitionLevel > 0
	if !wantNulls && st.HasMin && st.HasMax {
		return st, nil
	}
	cc := &f.meta.RowGroups[st.RowGroup].Columns[col.Index]
	if cc.ColumnIndexLength <= 0 || cc.OffsetIndexLength <= 0 {
		return st, nil
	}
	var ci format.ColumnIndex
	var oi format.OffsetIndex
	ok, err := f.readIndex(st, col, cc.ColumnIndexOffset, cc.ColumnIndexLength, &ci)
	if err != nil || !ok {
		return st, err
	}
	if ok, err = f.readIndex(st, col, cc.OffsetIndexOffset, cc.OffsetIndexLength, &oi); err != nil || !ok {
		return st, err
	}
	rows, ok := f.pageRows(st, col, &ci, &oi)
	if !ok {
		return st, nil
	}
	out := st
	if wantNulls {
		if sum, ok := pageNulls(col, &ci, rows, st.NumValues); ok {
			out.NullCount, out.HasNullCount = sum, true
		}
	}
	if !st.HasMin || !st.HasMax {
		lo, hi, ok := f.pageBounds(st, col, &ci)
		if ok && !st.HasMin {
			out.Min, out.HasMin, out.MinExact = lo, true, exactBounds(col)
		}
		if ok && !st.HasMax {
			out.Max, out.HasMax, out.MaxExact = hi, true, exactBounds(col)
		}
	}
	return out, nil
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

// pageBounds is the smallest page minimum and the largest page maximum, under
// the same trust rules as the footer's bounds. Every page that is not all
// nulls must have bounds that decode (no NaN), with min <= max, in the
// boundary order the index declares.
func (f *File) pageBounds(st ChunkStats, col *Column, ci *format.ColumnIndex) (lo, hi parquet.Value, ok bool) {
	if !boundsOrderKnown(f.meta, col, col.Index, true) {
		return lo, hi, false
	}
	cmp := f.pq.RowGroups()[st.RowGroup].ColumnChunks()[col.Index].Type().Compare
	var prevMin, prevMax parquet.Value
	seen := false
	for i := range ci.NullPages {
		if ci.NullPages[i] {
			continue
		}
		mn, ok1 := decodeBound(col, ci.MinValues[i])
		mx, ok2 := decodeBound(col, ci.MaxValues[i])
		if !ok1 || !ok2 || cmp(mn, mx) > 0 {
			return lo, hi, false
		}
		if seen {
			switch ci.BoundaryOrder {
			case format.Ascending:
				if cmp(mn, prevMin) < 0 || cmp(mx, prevMax) < 0 {
					return lo, hi, false
				}
			case format.Descending:
				if cmp(mn, prevMin) > 0 || cmp(mx, prevMax) > 0 {
					return lo, hi, false
				}
			}
		}
		if !seen || cmp(mn, lo) < 0 {
			lo = mn
		}
		if !seen || cmp(mx, hi) > 0 {
			hi = mx
		}
		prevMin, prevMax, seen = mn, mx, true
	}
	return lo, hi, seen
}
