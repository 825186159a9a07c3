#!/usr/bin/env bash
# Promotion gate benchmarks (issue 3): 1,000 metrics and 50 policies.
#  1. go test -bench: the whole gate in-process, policy evaluation alone,
#     policy loading and compiling, the 1,000 metric rules, the bootstrap.
#  2. The binary's cold start for `mlgate gate`, on the small fixture of
#     testdata/gate with the policy library, and on the 1,000-metric case with
#     both policy shapes (see internal/gatebench; hyperfine when installed).
# Run from the repository root by `make bench` (which builds bin/mlgate first).
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"

go test -run '^$' -bench 'Gate1000|Eval50|Load50|PairedBootstrap' -benchtime 20x \
  ./cmd/mlgate ./pkg/policy ./pkg/metrics | grep -E '^(Benchmark|ok)'

bin=bin/mlgate
[ -x "$bin" ] || go build -trimpath -o "$bin" ./cmd/mlgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go run ./internal/gatebench/gen "$work/case"
go run ./internal/gatebench/gen "$work/scan" scan

small=("$bin" gate -c testdata/gate/gate.yaml -m testdata/gate/metrics.json -b testdata/gate/baseline.json
  -p policies --data testdata/gate/settings.yaml --model-card testdata/gate/model/README.md
  --model testdata/gate/model --out "$work/small.json")
large=("$bin" gate -c "$work/case/gate.yaml" -m "$work/case/metrics.json" -b "$work/case/baseline.json"
  -p "$work/case/policies" --out "$work/large.json")
scan=("$bin" gate -c "$work/scan/gate.yaml" -m "$work/scan/metrics.json" -b "$work/scan/baseline.json"
  -p "$work/scan/policies" --out "$work/scan.json")

# The small fixture's policies deny (no evidence given): exit 1 is expected.
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs 20 -N -i -n "cold start: gate, library, small fixture" "${small[*]}"
  hyperfine --warmup 2 --runs 10 -N -n "cold start: gate, 1000 metrics, 50 lookup policies" "${large[*]}"
  hyperfine --warmup 1 --runs 5 -N -n "cold start: gate, 1000 metrics, 50 scanning policies" "${scan[*]}"
else
  echo "hyperfine not installed (apt-get install hyperfine); timing 10 runs with date"
  for name in small large scan; do
    declare -n cmd=$name
    start=$(date +%s%N)
    for _ in $(seq 10); do "${cmd[@]}" >/dev/null || true; done
    echo "cold start ($name): $(( ($(date +%s%N) - start) / 10000000 )) ms per run"
  done
fi
