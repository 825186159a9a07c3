package parquetx

import (
	"path/filepath"
	"testing"

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
