#!/usr/bin/env bash
# make demo: the whole mlgate job, end to end, on a generated repository
# (internal/demogen): validate the new data against its contract, compare it
# with the reference profile, sign the model and verify it, gate the promotion
# on metrics and the policy library, attest the decision, and write the report
# a pull request would get. Everything lands in demo/out (or $1: a new or
# empty folder, or one an earlier demo made; any other folder is refused).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mlgate="$root/bin/mlgate"
out=${1:-demo/out}
marker=.mlgate-demo
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  if [ ! -f "$out/$marker" ]; then
    echo "demo: $out is not empty and no earlier demo made it; give a new or empty folder" >&2
    exit 2
  fi
  rm -rf "$out" # an earlier demo's output, marked by $marker
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
: >"$out/$marker"

# The first build compiles every dependency (many minutes on a small
# machine); say so, and how long it took, rather than sit silent.
echo "Building mlgate into bin/ (the first build compiles all dependencies and can take several minutes; later builds take seconds)..." >&2
start=$SECONDS
go build -trimpath -o "$mlgate" ./cmd/mlgate
go build -o "$root/bin/demogen" ./internal/demogen
echo "Built in $((SECONDS - start))s." >&2

# Bold headings on a terminal only (and not with NO_COLOR): a log gets no escape codes.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi
# run CMD...: a failed check (exit 1) is part of the story; exit 2 is a real error.
run() {
  local code=0
  "$@" || code=$?
  if [ "$code" -ge 2 ]; then
    echo "demo: '$*' could not run (exit $code)" >&2
    exit "$code"
  fi
}

step "Generating the demo repository in $out"
"$root/bin/demogen" -out "$out" -password demo
cd "$out"
mkdir -p evidence profiles
export COSIGN_PASSWORD=demo

step "Profiling the reference data (kept in the repository instead of the data)"
run "$mlgate" profile --profile-out profiles/reference.json data/reference/*.parquet

step "Validating this week's data against its contract"
run "$mlgate" validate --contract contracts/features.yaml --digest --out evidence/validation.json data/current/*.parquet

step "Comparing this week's data with the reference profile"
run "$mlgate" drift --reference profiles/reference.json --config drift.yaml --digest --out evidence/drift.json data/current/*.parquet

step "Signing the model folder (OpenSSF model signing, cosign key)"
run "$mlgate" sign --key cosign.key --out evidence/signature.json model

step "Verifying the model as a deploy would"
run "$mlgate" verify --key cosign.pub --out evidence/verification.json model

step "Gating the promotion: metrics against the baseline, the policy library, evidence bound to this data and contract"
run "$mlgate" gate --config gate.yaml --metrics metrics/candidate.json --baseline metrics/baseline.json \
  --policy "$root/policies" --data mlgate-policy.yaml --model-card model/README.md --model model \
  --evidence evidence/validation.json --evidence evidence/drift.json --evidence evidence/verification.json \
  --dataset data/current --contract contracts/features.yaml \
  --out evidence/promotion.json --sarif mlgate.sarif --junit mlgate.junit.xml

step "Attesting the decision for this exact model, and checking the attestation"
run "$mlgate" attest --key cosign.key --decision evidence/promotion.json --bundle model.att \
  --dataset data/current/part-0.parquet --metrics metrics/candidate.json --policy "$root/policies" model
run "$mlgate" verify --key cosign.pub --attestation --bundle model.att --out evidence/attestation.json model

step "The report a pull request gets (also written to $out/report.md)"
run "$mlgate" report --title "Model check (demo)" --report-out report.md evidence/*.json

echo
echo "Evidence: $out/evidence/; report: $out/report.md; SARIF: $out/mlgate.sarif; JUnit: $out/mlgate.junit.xml"
