#!/usr/bin/env bash
# Runs the main job end to end on generated demo data (filled in as commands land).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "demo: not assembled yet"
