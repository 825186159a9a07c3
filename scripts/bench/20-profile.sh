#!/usr/bin/env bash
# Benchmark of issue 6: profiling the 20M-row benchmark table (the feature
# table of internal/benchgen, shared with 10-validate.sh) against DuckDB's
# SUMMARIZE on the same file and cores, peak memory at 2M and 20M rows, and
# drift from two stored profiles. Prints one line per figure. Scratch data
# lives in $BENCH_DIR (default $TMPDIR/mlgate-bench) and is reused; ROWS
# overrides the table size.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=${BENCH_DIR:-${TMPDIR:-/tmp}/mlgate-bench}
rows=${ROWS:-20000000}
cores=$(nproc)
mkdir -p "$dir"
mlgate=bin/mlgate
[ -x "$mlgate" ] || go build -trimpath -o "$mlgate" ./cmd/mlgate

echo "machine: $cores cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"

# The tables: the reference (seed 42, as 10-validate.sh) and a current one of
# 2M rows from another seed.
big="$dir/features-$rows.parquet"
small="$dir/features-2000000-seed43.parquet"
gen() { # rows seed file
  if ! [ -s "$3" ]; then
    go run ./internal/benchgen/gen -rows "$1" -row-group 1000000 -seed "$2" -out "$3.tmp"
    mv "$3.tmp" "$3"
  fi
}
gen "$rows" 42 "$big"
gen 2000000 43 "$small"
echo "table: $rows rows, $(du -mL "$big" | cut -f1) MiB"

# measure LABEL CMD...: wall seconds, CPU seconds (user + system) and peak
# RSS of one run. On a shared machine CPU time is the steadier figure.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$dir/profile-time.txt" "$@" >/dev/null
  read -r secs user sys kb < "$dir/profile-time.txt"
  printf '%s: %s s wall, %s s CPU, peak RSS %d MiB\n' "$label" "$secs" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((kb / 1024))
}

measure "mlgate profile $rows rows" "$mlgate" profile --profile-out "$dir/reference.profile.json" "$big"
measure "mlgate profile 2000000 rows" "$mlgate" profile --profile-out "$dir/current.profile.json" "$small"
echo "profile size: $(du -k "$dir/reference.profile.json" | cut -f1) KiB for $(grep -c '"name"' "$dir/reference.profile.json") columns"

# DuckDB SUMMARIZE on the same file, with as many threads as cores; installed
# into the scratch folder (shared with 10-validate.sh).
if ! [ -d "$dir/node_modules/@duckdb/node-api" ]; then
  (cd "$dir" && npm install --silent --no-audit --no-fund --prefix "$dir" @duckdb/node-api@1.5.6-r.1 >/dev/null)
fi
cat > "$dir/summarize.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
const rows = (await conn.runAndReadAll(`SUMMARIZE SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`)).getRowObjects();
if (rows.length === 0) throw new Error('SUMMARIZE returned nothing');
JS
measure "duckdb SUMMARIZE $rows rows ($cores threads)" node "$dir/summarize.mjs" "$big" "$cores"

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
