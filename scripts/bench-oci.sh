#!/usr/bin/env bash
# Push/pull throughput and memory of mlgate beside oras, and the bytes a
# registry verify reads, on a generated model folder (SIZE_GIB, default 4)
# and a distribution registry on loopback. Prints one line per run:
# tool op wall_s max_rss_kib. Needs mlgate at $MLGATE, registry, oras and /usr/bin/time.
set -euo pipefail
MLGATE=${MLGATE:-/tmp/mlgate}
SIZE_GIB=${SIZE_GIB:-4}
work=$(mktemp -d /tmp/bench-oci.XXXXXX)
trap 'kill "$regpid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/model" "$work/data"
for i in $(seq 1 "$SIZE_GIB"); do
  head -c $((1 << 30)) /dev/urandom > "$work/model/weights-$i.safetensors"
done
printf '{"architectures":["bench"]}' > "$work/model/config.json"
port=$(( 20000 + RANDOM % 20000 ))
cat > "$work/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/data}}
http: {addr: 127.0.0.1:$port}
YAML
OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none registry serve "$work/config.yml" 2>/dev/null &
regpid=$!
until curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.2; done
export DOCKER_CONFIG="$work/docker"
measure() { # label command...
  /usr/bin/time -f "%e %M" -o "$work/time" "${@:2}" > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  echo "$1 $(cat "$work/time") (load $(cut -d' ' -f1 /proc/loadavg))"
}
reg=127.0.0.1:$port
measure "mlgate push" "$MLGATE" push "$work/model" "oci://$reg/bench/mlgate:v1"
ref=$(tail -1 "$work/out")
# One layer per file, as mlgate does (a folder argument would be tarred first).
(cd "$work/model" && measure "oras push" oras push --plain-http "$reg/bench/oras:v1" $(ls))
measure "mlgate pull" "$MLGATE" pull "$ref" "$work/pull-mlgate"; rm -rf "$work/pull-mlgate"
measure "oras pull" oras pull --plain-http -o "$work/pull-oras" "$reg/bench/oras:v1"; rm -rf "$work/pull-oras"
key=${KEY:-testdata/signing/test.key} pub=${PUB:-testdata/signing/test.pub}
COSIGN_PASSWORD=mlgate-test measure "mlgate sign" "$MLGATE" sign --key "$key" "$ref"
measure "mlgate verify" "$MLGATE" verify --key "$pub" --out "$work/verify.json" "$ref"
python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['details']['registry']; print('verify read', d['bytesReceived'], 'bytes, sent', d['bytesSent'])" "$work/verify.json"
