package parquetx

import (
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/internal/testenv"
)

// footerless is a chunk's footer statistics with the bounds and null count
// removed, as written by a writer that keeps only the page index.
func footerless(f *File, rg int, col *Column) ChunkStats {
	st := chunkStats(f.meta, f.mirror, col, rg, col.Index)
	st.HasMin, st.HasMax, st.HasNullCount = false, false, false
	st.NullCount = 0
	return st
}

// TestPageIndexAgreesWithFooter derives every chunk's bounds and null count
// from the page index alone on real files and compares them with the footer.
func TestPageIndexAgreesWithFooter(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	for _, rel := range []string{
		"data/alltypes_tiny_pages.parquet",
		"data/alltypes_tiny_pages_plain.parquet",
		"data/int32_with_null_pages.parquet",
		"data/fixed_length_byte_array.parquet",
		"data/data_index_bloom_encoding_stats.parquet",
	} {
		t.Run(rel, func(t *testing.T) {
			f, err := Open(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			used := 0
			for rg := 0; rg < f.NumRowGroups(); rg++ {
				for _, col := range f.Schema.Leaves {
					footer := chunkStats(f.meta, f.mirror, col, rg, col.Index)
					got, err := f.withPageIndex(footerless(f, rg, col), col)
					if err != nil {
						t.Fatal(err)
					}
					cmp := f.pq.RowGroups()[rg].ColumnChunks()[col.Index].Type().Compare
					if got.HasNullCount && footer.HasNullCount && got.NullCount != footer.NullCount {
						t.Errorf("%s: page index nulls %d, footer %d", col.Path, got.NullCount, footer.NullCount)
					}
					// Page bounds are bounds: never inside the footer's.
					if got.HasMin && footer.HasMin && cmp(got.Min, footer.Min) > 0 {
						t.Errorf("%s: page index min %v above footer min %v", col.Path, got.Min, footer.Min)
					}
					if got.HasMax && footer.HasMax && cmp(got.Max, footer.Max) < 0 {
						t.Errorf("%s: page index max %v below footer max %v", col.Path, got.Max, footer.Max)
					}
					// Exact bounds of numbers are the footer's own.
					if got.MinExact && footer.MinExact && got.HasMin && footer.HasMin && cmp(got.Min, footer.Min) != 0 {
						t.Errorf("%s: page index min %v, footer min %v", col.Path, got.Min, footer.Min)
					}
					if got.MaxExact && footer.MaxExact && got.HasMax && footer.HasMax && cmp(got.Max, footer.Max) != 0 {
						t.Errorf("%s: page index max %v, footer max %v", col.Path, got.Max, footer.Max)
					}
					if got.HasMin && got.HasMax && got.HasNullCount {
						used++
					}
				}
			}
			if used == 0 {
				t.Fatal("no chunk's statistics came from the page index")
			}
		})
	}
}

// TestCorruptPageIndexIsNotTrusted takes a real page index and breaks it in
// the ways a bad writer could; each must leave the statistics unknown rather
// than wrong.
func TestCorruptPageIndexIsNotTrusted(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	f, err := Open(filepath.Join(root, "data", "int32_with_null_pages.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	col := f.Schema.Lookup("int32_field")
	st := footerless(f, 0, col)
	cc := &f.meta.RowGroups[0].Columns[col.Index]
	load := func() (*format.ColumnIndex, *format.OffsetIndex) {
		var ci format.ColumnIndex
		var oi format.OffsetIndex
		if ok, err := f.readIndex(st, col, cc.ColumnIndexOffset, cc.ColumnIndexLength, &ci); !ok || err != nil {
			t.Fatalf("column index: %v %v", ok, err)
		}
		if ok, err := f.readIndex(st, col, cc.OffsetIndexOffset, cc.OffsetIndexLength, &oi); !ok || err != nil {
			t.Fatalf("offset index: %v %v", ok, err)
		}
		return &ci, &oi
	}
	ci, oi := load()
	if _, ok := f.pageRows(st, col, ci, oi); !ok {
		t.Fatal("the intact page index is not trusted")
	}
	if _, _, ok := f.pageBounds(st, col, ci); !ok {
		t.Fatal("the intact page bounds are not trusted")
	}
	for name, breakIt := range map[string]func(ci *format.ColumnIndex, oi *format.OffsetIndex){
		"a page missing from the offset index": func(ci *format.ColumnIndex, oi *format.OffsetIndex) { oi.PageLocations = oi.PageLocations[1:] },
		"nulls beyond the page's rows":         func(ci *format.ColumnIndex, oi *format.OffsetIndex) { ci.NullCounts[0] = 1 << 20 },
		"a null page with values":              func(ci *format.ColumnIndex, oi *format.OffsetIndex) { ci.NullPages[0], ci.NullCounts[0] = true, 0 },
		"a page outside the chunk":             func(ci *format.ColumnIndex, oi *format.OffsetIndex) { oi.PageLocations[0].Offset = 1 << 40 },
		"rows not increasing":                  func(ci *format.ColumnIndex, oi *format.OffsetIndex) { oi.PageLocations[1].FirstRowIndex = 0 },
	} {
		ci, oi := load()
		breakIt(ci, oi)
		if rows, ok := f.pageRows(st, col, ci, oi); ok {
			if _, ok := pageNulls(col, ci, rows, st.NumValues); ok {
				t.Errorf("%s: trusted", name)
			}
		}
	}
	// An ascending index whose last page holds the smallest value.
	ci, _ = load()
	last := len(ci.NullPages) - 1
	for ci.NullPages[last] {
		last--
	}
	ci.BoundaryOrder = format.Ascending
	ci.MinValues[last], ci.MaxValues[last] = []byte{0, 0, 0, 0x80}, []byte{0, 0, 0, 0x80}
	if _, _, ok := f.pageBounds(st, col, ci); ok {
		t.Error("bounds contradicting the boundary order are trusted")
	}
	// A page whose min is above its max.
	ci, _ = load()
	ci.MinValues[last] = []byte{0xff, 0xff, 0xff, 0x7f}
	if _, _, ok := f.pageBounds(st, col, ci); ok {
		t.Error("a page with min above max is trusted")
	}
}
