#!/usr/bin/env bash
# Benchmark: mlgate validate against DuckDB (@duckdb/node-api) running the
# equivalent SQL on the same 20,000,000-row ZSTD feature table (fixed seed,
# 1M-row row groups), on the same cores.
#   (a) the full contract, contract.yaml, against contract.sql;
#   (b) a contract that footer statistics alone decide.
# Prints wall time, peak RSS and the ratios. Run by 'make bench', not by CI.
# ROWS and BENCH_DIR override the table size and the scratch folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${ROWS:-20000000}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/mlgate-bench}
threads=$(nproc)
mkdir -p "$dir"

if ! [ -x /usr/bin/time ]; then
  echo "bench: /usr/bin/time is missing (apt-get install time)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "bench: node is required for the DuckDB comparison" >&2; exit 2; }

mlgate=bin/mlgate
[ -x "$mlgate" ] || go build -trimpath -o "$mlgate" ./cmd/mlgate

data="$dir/features-$rows.parquet"
if ! [ -s "$data" ]; then
  echo "generating $rows rows into $data (seed 42) ..."
  go run ./internal/benchgen/gen -rows "$rows" -row-group 1000000 -seed 42 -out "$data.tmp"
  mv "$data.tmp" "$data"
fi

if ! [ -d "$dir/node_modules/@duckdb/node-api" ]; then
  echo "installing @duckdb/node-api@1.5.6-r.1 into $dir ..."
  (cd "$dir" && npm install --silent --no-audit --no-fund --prefix "$dir" @duckdb/node-api@1.5.6-r.1 >/dev/null)
fi

sed "s|{table}|$data|" scripts/bench/contract.sql > "$dir/a.sql"
cat > "$dir/b.yaml" <<YAML
apiVersion: mlgate.dev/v1
kind: DataContract
dataset:
  rows: {min: 1000000}
  strict: true
columns:
  - {name: id, type: int64, nullable: false, min: 0, max: $rows}
  - {name: user_id, type: string, nullable: false}
  - {name: email, type: string, nullable: false}
  - {name: country, type: string, nullable: false}
  - {name: device, type: string, nullable: false}
  - {name: amount, type: double, min: 0, max: 100000, max_null_fraction: 0.05}
  - {name: age, type: int32, min: 18, max: 90, max_null_fraction: 0.05}
  - {name: clicks, type: int64, nullable: false, min: 0, max: 1000}
  - {name: is_fraud, type: boolean, nullable: false}
  - {name: event_time, type: "timestamp(us, utc)", nullable: false}
YAML

cat > "$dir/b.sql" <<SQL
SELECT count(*) AS n, min(id), max(id), count(*) - count(id) AS id_null,
  count(*) - count(user_id), count(*) - count(email), count(*) - count(country), count(*) - count(device),
  min(amount), max(amount), count(*) - count(amount) AS amount_null,
  min(age), max(age), count(*) - count(age) AS age_null,
  min(clicks), max(clicks), count(*) - count(clicks), count(*) - count(is_fraud), count(*) - count(event_time)
FROM read_parquet('$data')
SQL
cat > "$dir/duck.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
const [sqlFile, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
const t0 = performance.now();
const reader = await conn.runAndReadAll(readFileSync(sqlFile, 'utf8'));
const ms = performance.now() - t0;
console.log(JSON.stringify(reader.getRowObjectsJson()[0]));
console.error(`duckdb query ${ms.toFixed(0)} ms`);
JS

# measure LABEL CMD... runs CMD 3 times and keeps the fastest wall time
# (from $EPOCHREALTIME) with that run's CPU time (user+sys) and peak RSS
# (from /usr/bin/time). CPU time is the steadier figure on a shared machine.
measure() {
  local label=$1; shift
  local best= rss= cpu= start end ms kb u s
  for _ in 1 2 3; do
    start=$EPOCHREALTIME
    /usr/bin/time -f '%M %U %S' -o "$dir/time.txt" "$@" >"$dir/$label.out" 2>"$dir/$label.err" || true
    end=$EPOCHREALTIME
    ms=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", (b-a)*1000}')
    read -r kb u s < <(tail -n 1 "$dir/time.txt")
    if [ -z "$best" ] || awk -v a="$ms" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$ms; rss=$kb; cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')
    fi
  done
  printf '%-10s %10.1f ms wall  %7.2f s CPU  %6d MB peak RSS\n' "$label" "$best" "$cpu" "$((rss / 1024))"
  eval "${label//-/_}_ms=$best"
}

echo "machine: $threads cores, $(lscpu | sed -n 's/^Model name: *//p'), $(du -h "$data" | cut -f1) file, $rows rows"
measure mlgate-a "$mlgate" validate --workers "$threads" --contract scripts/bench/contract.yaml "$data"
measure duckdb-a node "$dir/duck.mjs" "$dir/a.sql" "$threads"
measure mlgate-b "$mlgate" validate --workers "$threads" --contract "$dir/b.yaml" "$data"
measure duckdb-b node "$dir/duck.mjs" "$dir/b.sql" "$threads"
grep -h "duckdb query" "$dir"/duckdb-*.err | sed 's/^/  (last run, query alone inside node) /' || true
echo "duckdb (a) failure counts: $(cat "$dir/duckdb-a.out")"
echo "mlgate (a): $(tail -n 1 "$dir/mlgate-a.out"); (b): $(tail -n 1 "$dir/mlgate-b.out")"
awk -v m="$mlgate_a_ms" -v d="$duckdb_a_ms" 'BEGIN{printf "ratio (a) duckdb/mlgate: %.2fx (target >= 1)\n", d/m}'
awk -v m="$mlgate_b_ms" -v d="$duckdb_b_ms" 'BEGIN{printf "ratio (b) duckdb/mlgate: %.1fx; mlgate (b) %.1f ms (target < 100 ms)\n", d/m, m}'
