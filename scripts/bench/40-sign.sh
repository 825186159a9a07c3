#!/usr/bin/env bash
# Benchmark of mlgate sign on a generated 4 GiB model folder (one 3 GiB file
# and 256 files of 4 MiB), against single-stream `openssl dgst -sha256` over
# the same files on the same machine. Prints wall time, throughput, the ratio
# and peak RSS (GNU time), then deletes the data. Page cache is warm for both
# (the files are read once before timing), so this measures hashing, not disk.
# Each figure is the best of 3 runs; peak RSS is the largest of the 3.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v /usr/bin/time >/dev/null || { echo "installing GNU time"; apt-get install -y time >/dev/null; }
make -s build
scratch=$(mktemp -d /tmp/mlgate-bench-sign.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
model="$scratch/model"
mkdir -p "$model/shards"

# Fast pseudo-random bytes: AES-CTR over zeros (openssl ends on SIGPIPE when
# head has enough, which is not a failure).
gen() { { openssl enc -aes-128-ctr -pass pass:mlgate -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } | head -c "$1"; }
gen $((3 * 1024 * 1024 * 1024)) >"$model/weights.bin"
for i in $(seq -w 1 256); do gen $((4 * 1024 * 1024)) >"$model/shards/part-$i.bin"; done
total=$(du -sb "$model" | cut -f1)
cat "$model"/weights.bin "$model"/shards/* >/dev/null # warm the page cache

measure() { # label, command...: best of 3 runs, prints "label seconds rss_kib"
  local label=$1; shift
  local log="$scratch/time.log" best="" rss=0 wall r
  for _ in 1 2 3; do
    rm -f "$scratch"/*.sig # each sign run writes a fresh bundle
    /usr/bin/time -f "%e %M" -o "$log" "$@" >/dev/null
    read -r wall r <"$log"
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
    if [ "$r" -gt "$rss" ]; then rss=$r; fi
  done
  echo "$label $best $rss"
}

mapfile -t files < <(find "$model" -type f | sort)
read -r _ o_wall o_rss < <(measure openssl openssl dgst -sha256 "${files[@]}")
export COSIGN_PASSWORD=mlgate-test
read -r _ s_wall s_rss < <(measure shards bin/mlgate sign --key testdata/signing/test.key --method shards --bundle "$scratch/shards.sig" "$model")
read -r _ f_wall f_rss < <(measure files bin/mlgate sign --key testdata/signing/test.key --method files --bundle "$scratch/files.sig" "$model")
# verify re-hashes the whole model with the same hasher but loads only a public
# key, so its peak RSS is the hashing's (sign's includes unlocking the key).
bin/mlgate sign --key testdata/signing/test.key --method shards --bundle "$scratch/keep.bundle" "$model" >/dev/null
read -r _ v_wall v_rss < <(measure verify bin/mlgate verify --key testdata/signing/test.pub --bundle "$scratch/keep.bundle" "$model")

awk -v total="$total" -v ow="$o_wall" -v orss="$o_rss" -v sw="$s_wall" -v srss="$s_rss" -v fw="$f_wall" -v frss="$f_rss" -v vw="$v_wall" -v vrss="$v_rss" \
  -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v cpus="$(nproc)" -v cpu="$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')" 'BEGIN {
  gib = total / 2^30
  printf "machine: %d cores, %s (load average after the runs: %s; the machine is shared)\n", cpus, cpu, load
  printf "model: %.2f GiB (one 3 GiB file, 256 x 4 MiB)\n", gib
  printf "openssl dgst -sha256 (single stream): %6.2f s  %7.0f MiB/s  peak RSS %5.1f MiB\n", ow, total/ow/2^20, orss/1024
  printf "mlgate sign --method shards:           %6.2f s  %7.0f MiB/s  peak RSS %5.1f MiB  ratio %.2fx\n", sw, total/sw/2^20, srss/1024, ow/sw
  printf "mlgate sign --method files:            %6.2f s  %7.0f MiB/s  peak RSS %5.1f MiB  ratio %.2fx\n", fw, total/fw/2^20, frss/1024, ow/fw
  printf "mlgate verify (shards signature):      %6.2f s  %7.0f MiB/s  peak RSS %5.1f MiB  ratio %.2fx\n", vw, total/vw/2^20, vrss/1024, ow/vw
  printf "(sign peak RSS includes scrypt unlocking the cosign key: 64 MiB, as in cosign itself)\n"
}'
