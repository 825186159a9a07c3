#!/usr/bin/env bash
# Benchmark of issue 15: validating data where it lives. Uploads the
# 20M-row feature table (seed 42, shared with 10-validate.sh) and 100 copies
# of a small shard to a local versitygw (S3 API, posix backend), then for a
# contract the footer statistics decide and for a full contract (patterns,
# allowed values, uniqueness) reports bytes read as a share of the bytes
# stored, requests, wall time and peak RSS, beside downloading the files
# and validating them locally. ROWS and BENCH_DIR override the table size
# and the scratch folder. Run by 'make bench', not by CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${ROWS:-20000000}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/mlgate-bench}
copies=100
mkdir -p "$dir"
for tool in versitygw curl jq; do
  command -v "$tool" >/dev/null || [ -x "$HOME/go/bin/$tool" ] || { echo "bench: $tool is required (scripts/install-tools.sh)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
versitygw=$(command -v versitygw || echo "$HOME/go/bin/versitygw")
mlgate=bin/mlgate
[ -x "$mlgate" ] || go build -trimpath -o "$mlgate" ./cmd/mlgate

gen() { # rows row-group seed file
  if ! [ -s "$4" ]; then
    go run ./internal/benchgen/gen -rows "$1" -row-group "$2" -seed "$3" -out "$4.tmp"
    mv "$4.tmp" "$4"
  fi
}
big="$dir/features-$rows.parquet"
small="$dir/features-20000-shard.parquet"
gen "$rows" 1000000 42 "$big"
gen 20000 5000 7 "$small"

# The server: test credentials on loopback, stopped on exit.
export AWS_ACCESS_KEY_ID=mlgate-bench AWS_SECRET_ACCESS_KEY=mlgate-bench-secret AWS_REGION=us-east-1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL_S3=$endpoint
store=$(mktemp -d "$dir/versitygw.XXXX")
mkdir -p "$store/root" "$store/meta"
"$versitygw" --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --port "127.0.0.1:$port" \
  posix --sidecar "$store/meta" "$store/root" >"$store/log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$store"' EXIT
s3() { # METHOD PATH [curl args...]
  local method=$1 path=$2
  shift 2
  curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -X "$method" "$@" "$endpoint/$path"
}
for _ in $(seq 50); do curl -s -o /dev/null "$endpoint/" && break; sleep 0.2; done
s3 PUT bench >/dev/null
s3 PUT "bench/features.parquet" -T "$big" >/dev/null
for i in $(seq -w 0 $((copies - 1))); do
  s3 PUT "bench/shards/part-0$i.parquet" -T "$small" >/dev/null
done

cat > "$dir/remote-stats.yaml" <<YAML
apiVersion: mlgate.dev/v1
kind: DataContract
dataset:
  rows: {min: 1000}
columns:
  - {name: id, type: int64, nullable: false}
  - {name: clicks, type: int64, nullable: false, min: 0, max: 1000}
  - {name: age, type: int32, min: 18, max: 90}
YAML
cat > "$dir/remote-full.yaml" <<YAML
apiVersion: mlgate.dev/v1
kind: DataContract
columns:
  - {name: id, nullable: false, unique: true}
  - {name: user_id, pattern: '^u[0-9]{12}\$'}
  - {name: country, allowed: [AR, AU, BR, CA, CN, DE, ES, FR, GB, IN, IT, JP, KR, MX, NL, PL, SE, TR, US, ZA]}
  - {name: device, allowed: [android, ios, web, tv]}
  - {name: amount, min: 0, max: 100000, max_null_fraction: 0.05}
  - {name: age, min: 18, max: 90}
YAML

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
stored_big=$(stat -c %s "$big")
echo "stored: features.parquet $rows rows $((stored_big / 1048576)) MiB; shards/ $copies x $(($(stat -c %s "$small") / 1024)) KiB"

# run LABEL CMD...: wall time and peak RSS of one run; the evidence (out.json)
# gives the requests and bytes read, summed over the files.
run() {
  local label=$1
  shift
  local start end kb
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$dir/remote-time.txt" "$@" --out "$dir/remote-out.json" >/dev/null 2>"$dir/remote-err.txt" || true
  end=$EPOCHREALTIME
  kb=$(tail -n 1 "$dir/remote-time.txt")
  jq -r --arg name "$label" --arg wall "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')" --arg rss "$((kb / 1024))" '
    [.subject.files[] | {size, r: (.io.requests // 0), b: (.io.bytesRead // 0)}] as $f
    | ($f | map(.size) | add) as $stored | ($f | map(.b) | add) as $read
    | "\($name): \(.status), \($read) of \($stored) bytes read (\(if $stored > 0 then ($read * 10000 / $stored | round) / 100 else 0 end)%), \($f | map(.r) | add) requests, \($wall) s wall, \($rss) MiB peak RSS"' \
    "$dir/remote-out.json" || { echo "$label: failed"; cat "$dir/remote-err.txt"; }
}
# local LABEL CONTRACT KEYS...: download the objects, then validate the copies.
download_then_validate() {
  local label=$1 contract=$2
  shift 2
  local start end kb copy=$dir/remote-download
  rm -rf "$copy" && mkdir -p "$copy"
  start=$EPOCHREALTIME
  for key in "$@"; do s3 GET "bench/$key" -o "$copy/${key//\//_}"; done
  /usr/bin/time -f '%M' -o "$dir/remote-time.txt" "$mlgate" validate --contract "$contract" "$copy" >/dev/null 2>&1 || true
  end=$EPOCHREALTIME
  kb=$(tail -n 1 "$dir/remote-time.txt")
  printf '%s: download and validate locally %.2f s wall, %d MiB peak RSS (validate), %d MiB on disk\n' "$label" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')" $((kb / 1024)) "$(du -sm "$copy" | cut -f1)"
  rm -rf "$copy"
}

shard_keys=()
for i in $(seq -w 0 $((copies - 1))); do shard_keys+=("shards/part-0$i.parquet"); done
for c in stats full; do
  run "$c contract, s3 $rows rows" "$mlgate" validate --contract "$dir/remote-$c.yaml" s3://bench/features.parquet
  download_then_validate "$c contract, $rows rows" "$dir/remote-$c.yaml" features.parquet
  run "$c contract, s3 $copies shards" "$mlgate" validate --contract "$dir/remote-$c.yaml" s3://bench/shards/
  download_then_validate "$c contract, $copies shards" "$dir/remote-$c.yaml" "${shard_keys[@]}"
done
