#!/usr/bin/env bash
# Fuzzes every Fuzz* target for FUZZTIME each (default 30s), one after the
# other. FUZZ=Name runs only the targets called Name; FUZZPKGS limits the
# packages (default ./...). A finding does not stop the run: the other targets
# still run, and at the end each finding is printed (target, failing input from
# testdata/fuzz, crash) and the script exits 1. With FUZZ_FINDINGS=file the
# findings are also written there as markdown (the scheduled workflow files
# them as an issue).
#
# `go test` without -fuzz (make test) already runs every target's seeds and
# testdata/fuzz corpus; this script is for the time-budgeted search.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-30s}
minimize=${FUZZMINIMIZETIME:-30s}
# Two workers: enough to search, modest on a shared machine.
parallel=${FUZZPARALLEL:-2}
# -timeout bounds a run whose worker hangs: go test then dumps the goroutines.
timeout=${FUZZTIMEOUT:-15m}
findings=${FUZZ_FINDINGS:-}
[ -z "$findings" ] || : > "$findings"

# Fuzz input and crash messages are untrusted: under GitHub Actions, raw
# output is fenced off with stop-commands so it cannot issue workflow commands.
raw_begin() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
    echo "::stop-commands::$token"
  fi
}
raw_end() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::$token::"; fi
}

# fence prints a markdown code fence longer than any backtick run in file $1.
fence() {
  local n
  n=$(grep -o '`\+' "$1" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
  printf '`%.0s' $(seq 1 $((n < 3 ? 3 : n + 1)))
}

# block prints file $1 as a markdown code block.
block() {
  local f
  f=$(fence "$1")
  echo "$f"
  cat "$1"
  [ -z "$(tail -c 1 "$1")" ] || echo
  echo "$f"
}

failed=()
reports=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for pkg in $(go list ${FUZZPKGS:-./...}); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    if [ -n "${FUZZ:-}" ] && [ "$target" != "$FUZZ" ]; then continue; fi
    echo "fuzz $pkg $target ($fuzztime)"
    raw_begin
    set +e
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" \
      -parallel "$parallel" -timeout "$timeout" "$pkg" 2>&1 | tee "$log"
    code=${PIPESTATUS[0]}
    set -e
    raw_end
    [ "$code" -eq 0 ] && continue
    failed+=("$pkg $target")
    input=$(sed -n 's/.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*/\1/p' "$log" | tail -n 1)
    report=$(mktemp)
    {
      echo "### $target in $pkg"
      echo
      if [ -n "$input" ] && [ -f "$dir/$input" ]; then
        echo "Failing input, ${dir#"$PWD"/}/$input (add it to the corpus with the fix):"
        block "$dir/$input"
      else
        echo "No failing input was written (the run timed out or the worker died before minimising)."
      fi
      echo
      echo "Output (last 60 lines):"
      tail -n 60 "$log" > "$report.out"
      block "$report.out"
      echo
    } > "$report"
    rm -f "$report.out"
    [ -z "$findings" ] || cat "$report" >> "$findings"
    reports+=("$report")
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  echo
  echo "FUZZ FINDINGS (${#failed[@]}):"
  raw_begin
  for r in "${reports[@]}"; do cat "$r"; rm -f "$r"; done
  raw_end
  exit 1
fi
echo "fuzz: no findings"
