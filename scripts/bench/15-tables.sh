#!/usr/bin/env bash
# Benchmark of issue 19 on two 20,000,000-row feature tables: the project's
# own (internal/benchgen, parquet-go) and one DuckDB wrote (duckdb-table.sql:
# ZSTD, 1M-row groups, DuckDB's choice of encodings, no page index), cached
# in bench/out/. For each: the full contract (contract.yaml: nulls, ranges,
# allowed sets, patterns, max_length, unique id) against the same checks in
# SQL (contract.sql, which 10-validate.sh runs too), and a profile of every
# column against SUMMARIZE, DuckDB with as many threads as cores, in the
# same run. Prints CPU time (user + sys), wall time and peak RSS (GNU
# time) of each and the ratios DuckDB/mlgate. RUNS (default 1) runs each
# command that many times and keeps the run with the least CPU time; ROWS
# overrides the size; MEMORY passes --memory (MiB) to mlgate; TABLES="own",
# "duckdb" or both (the default).
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${ROWS:-20000000}
runs=${RUNS:-1}
cores=$(nproc)
out=bench/out
npm=${NPM_DIR:-scripts/npm}
mkdir -p "$out"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ -d "$npm/node_modules/@duckdb/node-api" ] || { echo "bench: $npm/node_modules/@duckdb/node-api is missing (make tools)" >&2; exit 2; }
mlgate=bin/mlgate
[ -x "$mlgate" ] || go build -trimpath -o "$mlgate" ./cmd/mlgate
mem=()
[ -n "${MEMORY:-}" ] && mem=(--memory "$MEMORY")

own="$out/benchgen-$rows.parquet"
duck="$out/duckdb-$rows.parquet"
if ! [ -s "$own" ]; then
  go run ./internal/benchgen/gen -rows "$rows" -row-group 1000000 -seed 42 -out "$own.tmp" && mv "$own.tmp" "$own"
fi
if ! [ -s "$duck" ]; then
  node scripts/bench/duckdb-table.mjs "$npm" "$rows" "$duck.tmp" && mv "$duck.tmp" "$duck"
fi

cat > "$out/duck.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [npmDir, sqlFile, threads] = process.argv.slice(2);
const entry = createRequire(join(resolve(npmDir), 'package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);
const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
const rows = (await conn.runAndReadAll(readFileSync(sqlFile, 'utf8'))).getRowObjectsJson();
if (rows.length === 0) throw new Error('no result');
console.log(JSON.stringify(rows[0]));
JS

# measure LABEL CMD...: sets cpu, wall, rss (MiB) of the run with the least
# CPU time among $runs; prints the line.
measure() {
  local label=$1; shift
  local best= w u s kb
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" "$@" >"$out/last.out" 2>"$out/last.err" || {
      # validate exits 1 when a check fails; anything else is a failure.
      rc=$?; [ $rc -eq 1 ] || { echo "bench: $label failed ($rc):" >&2; tail -5 "$out/last.err" >&2; exit 2; }; }
    read -r w u s kb < <(tail -n 1 "$out/time.txt")
    local c; c=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')
    if [ -z "$best" ] || awk -v a="$c" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$c; wall=$w; rss=$((kb / 1024))
    fi
  done
  cpu=$best
  printf '  %-34s %7.2f s CPU %7.2f s wall %6d MiB peak RSS\n' "$label" "$cpu" "$wall" "$rss"
}

echo "machine: $cores cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
tables=()
for t in ${TABLES:-own duckdb}; do
  case $t in own) tables+=("$own") ;; duckdb) tables+=("$duck") ;; *) echo "bench: TABLES: unknown $t" >&2; exit 2 ;; esac
done
for table in "${tables[@]}"; do
  echo "table $table: $(du -m "$table" | cut -f1) MiB, $rows rows"
  sed "s|{table}|$table|" scripts/bench/contract.sql > "$out/contract.sql"
  echo "SUMMARIZE SELECT * FROM read_parquet('$table')" > "$out/summarize.sql"

  measure "mlgate validate" "$mlgate" validate --workers "$cores" "${mem[@]}" --contract scripts/bench/contract.yaml "$table"
  mv_cpu=$cpu mv_wall=$wall mv_rss=$rss
  measure "duckdb contract SQL" node "$out/duck.mjs" "$npm" "$out/contract.sql" "$cores"
  dv_cpu=$cpu dv_wall=$wall dv_rss=$rss
  echo "    duckdb failure counts: $(cat "$out/last.out")"
  measure "mlgate profile" "$mlgate" profile --workers "$cores" "${mem[@]}" --overwrite --profile-out "$out/profile.json" "$table"
  mp_cpu=$cpu mp_wall=$wall mp_rss=$rss
  measure "duckdb SUMMARIZE" node "$out/duck.mjs" "$npm" "$out/summarize.sql" "$cores"
  dp_cpu=$cpu dp_wall=$wall dp_rss=$rss
  awk -v a="$dv_cpu" -v b="$mv_cpu" -v c="$dv_wall" -v d="$mv_wall" -v e="$mv_rss" -v f="$dv_rss" \
    'BEGIN{printf "  validate: duckdb/mlgate CPU %.2fx (target >= 5x), wall %.2fx; peak RSS mlgate %d MiB, duckdb %d MiB (target < 300)\n", a/b, c/d, e, f}'
  awk -v a="$dp_cpu" -v b="$mp_cpu" -v c="$dp_wall" -v d="$mp_wall" -v e="$mp_rss" -v f="$dp_rss" \
    'BEGIN{printf "  profile:  duckdb/mlgate CPU %.2fx (target >= 3x), wall %.2fx; peak RSS mlgate %d MiB, duckdb %d MiB (target < 150)\n", a/b, c/d, e, f}'
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
