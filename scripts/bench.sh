#!/usr/bin/env bash
# Runs every benchmark script in scripts/bench/ in order. Each prints its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in scripts/bench/*.sh; do
  echo "== $s"
  bash "$s"
done
