#!/usr/bin/env bash
# Benchmark of issue 6: profiling the 20M-row table against DuckDB's SUMMARIZE
# on the same file and cores, peak memory at 2M and 20M rows, and drift from
# two stored profiles. Prints one line per figure. Scratch data lives in
# $BENCH_DIR (default /tmp/mlgate-bench) and is reused between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=${BENCH_DIR:-/tmp/mlgate-bench}
rows=${BENCH_ROWS:-20000000}
cores=$(nproc)
mkdir -p "$dir"
mlgate=bin/mlgate
[ -x "$mlgate" ] || go build -trimpath -o "$mlgate" ./cmd/mlgate

echo "machine: $cores cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"

# The tables: the reference (rows rows) and a drifted current table (2M rows).
big="$dir/bench-$rows.parquet"
small="$dir/current-2000000.parquet"
[ -f "$big" ] || go run ./internal/benchgen -rows "$rows" -out "$big"
[ -f "$small" ] || go run ./internal/benchgen -rows 2000000 -seed 2 -shift 0.3 -out "$small"
echo "table: $rows rows, $(du -mL "$big" | cut -f1) MiB"

# measure LABEL CMD...: wall seconds, CPU seconds (user + system) and peak
# RSS of one run. On a shared machine CPU time is the steadier figure.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$dir/time.txt" "$@" >/dev/null
  read -r secs user sys kb < "$dir/time.txt"
  printf '%s: %s s wall, %s s CPU, peak RSS %d MiB\n' "$label" "$secs" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((kb / 1024))
}

measure "mlgate profile $rows rows" "$mlgate" profile --out "$dir/reference.profile.json" "$big"
measure "mlgate profile 2000000 rows" "$mlgate" profile --out "$dir/current.profile.json" "$small"
echo "profile size: $(du -k "$dir/reference.profile.json" | cut -f1) KiB for $(grep -c '"name"' "$dir/reference.profile.json") columns"

# DuckDB SUMMARIZE on the same file, with as many threads as cores.
duck="$dir/duckdb"
if [ ! -d "$duck/node_modules/@duckdb/node-api" ]; then
  mkdir -p "$duck"
  (cd "$duck" && npm install --no-audit --no-fund --no-save --loglevel=error @duckdb/node-api@1.5.6-r.1 >/dev/null)
fi
cat > "$duck/summarize.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
const rows = (await conn.runAndReadAll(`SUMMARIZE SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`)).getRowObjects();
if (rows.length === 0) throw new Error('SUMMARIZE returned nothing');
JS
measure "duckdb SUMMARIZE $rows rows ($cores threads)" node "$duck/summarize.mjs" "$big" "$cores"

# Drift from two stored profiles: whole process, median of 21 runs.
times=()
for _ in $(seq 21); do
  start=$(date +%s%N)
  "$mlgate" drift --reference "$dir/reference.profile.json" --fail-on-drift=false "$dir/current.profile.json" >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 11p)
echo "mlgate drift from two stored profiles: median ${median} ms per run (process start included)"
go test -run '^$' -bench 'BenchmarkCompareProfiles' ./pkg/drift | grep Benchmark
