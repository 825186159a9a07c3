package profile

import (
	"context"
	"os"
	"testing"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// BenchmarkScanFile profiles the Parquet file named by MLGATE_BENCH_PARQUET
// (e.g. a table from scripts/bench/duckdb-table.mjs), for CPU profiles of
// the whole path on files mlgate did not write.
func BenchmarkScanFile(b *testing.B) {
	path := os.Getenv("MLGATE_BENCH_PARQUET")
	if path == "" {
		b.Skip("MLGATE_BENCH_PARQUET names no Parquet file")
	}
	for i := 0; i < b.N; i++ {
		f, err := parquetx.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		p, _, err := Scan(context.Background(), []*parquetx.File{f}, ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if out := os.Getenv("MLGATE_BENCH_OUT"); out != "" {
			doc, err := Marshal(p)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(out, doc, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}
