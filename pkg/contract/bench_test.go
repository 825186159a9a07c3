package contract

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlgate/mlgate/internal/benchgen"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// benchTable writes a benchgen table of rows rows once per benchmark.
func benchTable(b *testing.B, rows int) []*parquetx.File {
	b.Helper()
	path := filepath.Join(b.TempDir(), "features.parquet")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchgen.Write(f, rows, rows/4, 42); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return openAll(b, path)
}

func benchRun(b *testing.B, rows int, contract string) {
	files := benchTable(b, rows)
	c, err := Parse("bench.yaml", []byte(contract))
	if err != nil {
		b.Fatal(err)
	}
	plan, err := Compile(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := plan.Run(context.Background(), files, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, chk := range res.Checks {
			if chk.Status != "pass" {
				b.Fatalf("%s: %s", chk.ID, chk.Message)
			}
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}

// BenchmarkScanChecks is contract (a) of the bench script: every tier, with
// patterns and uniqueness needing a scan.
func BenchmarkScanChecks(b *testing.B) {
	benchRun(b, 400_000, `apiVersion: mlgate.dev/v1
kind: DataContract
columns:
  - {name: id, nullable: false, unique: true}
  - {name: user_id, pattern: '^u[0-9]{12}$'}
  - {name: email, pattern: '^user[0-9]+@example\.com$'}
  - {name: device, allowed: [android, ios, web, tv]}
  - {name: amount, min: 0, max: 100000, max_null_fraction: 0.05}
  - {name: clicks, min: 0, max: 1000}
`)
}

// BenchmarkMetadataChecks is contract (b): decided by footer statistics. A
// double column's max is not among its checks: statistics leave NaN out, so
// a scan decides it (BenchmarkScanChecks covers that).
func BenchmarkMetadataChecks(b *testing.B) {
	benchRun(b, 400_000, `apiVersion: mlgate.dev/v1
kind: DataContract
dataset: {rows: {min: 1}}
columns:
  - {name: id, type: int64, nullable: false, min: 0}
  - {name: amount, type: double, min: 0, max_null_fraction: 0.05}
  - {name: age, type: int32, min: 18, max: 90}
`)
}

// BenchmarkTableContract runs the full contract of scripts/bench/15-tables.sh
// on the table named by MLGATE_BENCH_TABLE (bench/out/duckdb-20000000.parquet
// after a bench run), for profiling the scan tier on another writer's layout.
func BenchmarkTableContract(b *testing.B) {
	path := os.Getenv("MLGATE_BENCH_TABLE")
	if path == "" {
		b.Skip("MLGATE_BENCH_TABLE names no table")
	}
	files := openAll(b, path)
	c, err := Parse("bench.yaml", []byte(`apiVersion: mlgate.dev/v1
kind: DataContract
columns:
  - {name: id, nullable: false, unique: true}
  - {name: user_id, nullable: false, pattern: '^u[0-9]{12}$', max_length: 13}
  - {name: email, pattern: '^user[0-9]+@example\.com$', max_length: 40}
  - {name: country, nullable: false, allowed: [AR, AU, BR, CA, CN, DE, ES, FR, GB, IN, IT, JP, KR, MX, NL, PL, SE, TR, US, ZA]}
  - {name: device, allowed: [android, ios, web, tv]}
  - {name: amount, min: 0, max: 100000, max_null_fraction: 0.05}
  - {name: age, min: 18, max: 90, max_null_fraction: 0.05}
  - {name: clicks, min: 0, max: 1000}
`))
	if err != nil {
		b.Fatal(err)
	}
	plan, err := Compile(c)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := plan.Run(context.Background(), files, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
