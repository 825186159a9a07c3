#!/usr/bin/env bash
# Benchmark of mlgate sign on a generated 4 GiB model folder (one 3 GiB file
# and 256 files of 4 MiB), against single-stream `openssl dgst -sha256` over
# the same files on the same machine. Prints wall time, throughput, the ratio
# and peak RSS (GNU time), then deletes the data. Page cache is warm for both
# (the files are read once before timing), so this measures hashing, not disk.
# Three rounds of openssl and mlgate back to back; each figure is the median
# of 3, peak RSS the largest. CPU time is user + sys.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v /usr/bin/time >/dev/null || { echo "installing GNU time"; apt-get install -y time >/dev/null; }
# MLGATE names a built binary to measure; else make builds bin/mlgate.
mlgate=${MLGATE:-bin/mlgate}
[ -n "${MLGATE:-}" ] || make -s build
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

# run LABEL CMD...: one timed run; appends "wall cpu rss_kib" to $scratch/LABEL.
run() {
  local label=$1; shift
  rm -f "$scratch"/*.sig # each sign run writes a fresh bundle
  /usr/bin/time -f "%e %U %S %M" -o "$scratch/time.log" "$@" >/dev/null
  awk '{ print $1, $2 + $3, $4 }' "$scratch/time.log" >>"$scratch/$label"
}
# median LABEL: median wall and CPU seconds of the runs, largest peak RSS.
median() {
  printf '%s %s %s\n' "$(cut -d' ' -f1 "$scratch/$1" | sort -n | sed -n 2p)" \
    "$(cut -d' ' -f2 "$scratch/$1" | sort -n | sed -n 2p)" "$(cut -d' ' -f3 "$scratch/$1" | sort -n | tail -1)"
}

mapfile -t files < <(find "$model" -type f | sort)
export COSIGN_PASSWORD=mlgate-test
# verify re-hashes the whole model with the same hasher but loads only a public
# key, so its peak RSS is the hashing's (sign's includes unlocking the key).
"$mlgate" sign --key testdata/signing/test.key --method shards --bundle "$scratch/keep.bundle" "$model" >/dev/null
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# Three rounds, each openssl and then every mlgate run back to back, so that
# both see the same load on a shared machine; medians of the three.
for _ in 1 2 3; do
  run openssl openssl dgst -sha256 "${files[@]}"
  run shards "$mlgate" sign --key testdata/signing/test.key --method shards --bundle "$scratch/shards.sig" "$model"
  run files "$mlgate" sign --key testdata/signing/test.key --method files --bundle "$scratch/files.sig" "$model"
  run verify "$mlgate" verify --key testdata/signing/test.pub --bundle "$scratch/keep.bundle" "$model"
done
read -r o_wall o_cpu o_rss < <(median openssl)
read -r s_wall s_cpu s_rss < <(median shards)
read -r f_wall f_cpu f_rss < <(median files)
read -r v_wall v_cpu v_rss < <(median verify)

awk -v total="$total" -v ow="$o_wall" -v oc="$o_cpu" -v orss="$o_rss" -v sw="$s_wall" -v sc="$s_cpu" -v srss="$s_rss" \
  -v fw="$f_wall" -v fc="$f_cpu" -v frss="$f_rss" -v vw="$v_wall" -v vc="$v_cpu" -v vrss="$v_rss" \
  -v load="$load_start -> $(cut -d' ' -f1-3 /proc/loadavg)" -v cpus="$(nproc)" -v cpu="$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')" \
  -v shani="$(grep -q -m1 sha_ni /proc/cpuinfo && echo yes || echo no)" 'BEGIN {
  gib = total / 2^30
  printf "machine: %d cores, %s, SHA-NI %s (load average before and after the runs: %s; the machine is shared)\n", cpus, cpu, shani, load
  printf "model: %.2f GiB (one 3 GiB file, 256 x 4 MiB); medians of 3 rounds\n", gib
  printf "openssl dgst -sha256 (single stream): %6.2f s  %7.0f MiB/s  %6.2f s CPU  peak RSS %5.1f MiB\n", ow, total/ow/2^20, oc, orss/1024
  printf "mlgate sign --method shards:           %6.2f s  %7.0f MiB/s  %6.2f s CPU  peak RSS %5.1f MiB  ratio %.2fx\n", sw, total/sw/2^20, sc, srss/1024, ow/sw
  printf "mlgate sign --method files:            %6.2f s  %7.0f MiB/s  %6.2f s CPU  peak RSS %5.1f MiB  ratio %.2fx\n", fw, total/fw/2^20, fc, frss/1024, ow/fw
  printf "mlgate verify (shards signature):      %6.2f s  %7.0f MiB/s  %6.2f s CPU  peak RSS %5.1f MiB  ratio %.2fx\n", vw, total/vw/2^20, vc, vrss/1024, ow/vw
  printf "(sign peak RSS includes scrypt unlocking the cosign key: 64 MiB, as in cosign itself)\n"
}'
