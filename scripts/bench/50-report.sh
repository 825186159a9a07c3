#!/usr/bin/env bash
# Reports: rendering the multi-document PR report over a large job (1,000 checks,
# 200 drift columns, 20 metrics), the same cut to GitHub's comment limit, the
# terminal tables, and escaping of untrusted text.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
go test -run '^$' -bench 'Build|Escape|Text' -benchmem -count 3 ./pkg/report
# Finding and updating the sticky comment among 1,000 comments (ten pages) on loopback.
go test -run '^$' -bench 'StickyComment' -benchmem -count 3 ./pkg/githubapi
