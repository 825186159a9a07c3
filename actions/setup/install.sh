#!/usr/bin/env bash
# Installs mlgate for this runner and puts it on PATH. Every mlgate action calls
# this script, so the binary is resolved the same way everywhere:
#   1. an mlgate already on PATH, when MLGATE_USE_PATH=true;
#   2. a binary of the requested version already in the runner tool cache,
#      only when it is a regular file with the pinned binary SHA-256 (a
#      self-hosted runner's cache is shared by jobs: anything else there is
#      reinstalled over, never run);
#   3. the release asset for the runner's OS and architecture, checked against
#      the SHA-256 pinned in checksums.txt beside this script, then used to verify
#      the release's signed checksums file;
#   4. a build from the action's own source with Go (no release pinned, or
#      MLGATE_VERSION=source).
# Inputs (environment): MLGATE_VERSION, MLGATE_USE_PATH (the input) or
# MLGATE_JOB_USE_PATH (the job's env), MLGATE_DOWNLOAD_URL,
# MLGATE_TRUSTED_ROOT (a Sigstore trusted_root.json; default: Sigstore's public
# trust root), MLGATE_CACHE_DIR. Writes the outputs path, version and source.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
version=${MLGATE_VERSION:-}
[ -n "$version" ] || version=$(sed -n 's/^default-version: *//p' "$here/checksums.txt" | head -n 1)
[ -n "$version" ] || version=source
# The version names a cache folder and a download: only vX.Y.Z[-pre] or source.
if [ "$version" != source ] && ! printf '%s' "$version" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
  echo "::error::mlgate setup: version must be vX.Y.Z, vX.Y.Z-PRE or source"
  exit 2
fi
base=${MLGATE_DOWNLOAD_URL:-https://github.com/mlgate/mlgate/releases/download}
cache=${MLGATE_CACHE_DIR:-${RUNNER_TOOL_CACHE:-$HOME/.cache}/mlgate}

output() { # name value, in a heredoc with a random delimiter
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    local delim
    delim="ghadelimiter_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s<<%s\n%s\n%s\n' "$1" "$delim" "$2" "$delim" >> "$GITHUB_OUTPUT"
  fi
}
finish() { # dir version source
  if [ -n "${GITHUB_PATH:-}" ]; then printf '%s\n' "$1" >> "$GITHUB_PATH"; fi
  output path "$1/mlgate$exe"
  output version "$2"
  output source "$3"
  echo "mlgate $2 from $3: $1/mlgate$exe"
  exit 0
}

case "${RUNNER_OS:-$(uname -s)}" in
  Linux|linux) os=linux ;;
  macOS|Darwin) os=darwin ;;
  Windows|MINGW*|MSYS*) os=windows ;;
  *) echo "::error::mlgate setup: unsupported OS ${RUNNER_OS:-$(uname -s)}"; exit 2 ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
  X64|x86_64|amd64) arch=amd64 ;;
  ARM64|arm64|aarch64) arch=arm64 ;;
  *) echo "::error::mlgate setup: unsupported architecture ${RUNNER_ARCH:-$(uname -m)}"; exit 2 ;;
esac
exe=""
[ "$os" = windows ] && exe=.exe

# 1. What is already on PATH.
if { [ "${MLGATE_USE_PATH:-false}" = true ] || [ "${MLGATE_JOB_USE_PATH:-false}" = true ]; } && command -v mlgate >/dev/null 2>&1; then
  finish "$(dirname "$(command -v mlgate)")" "$(mlgate version | awk '{print $2}')" path
fi

asset="mlgate_${os}_${arch}.tar.gz"
[ "$os" = windows ] && asset="mlgate_${os}_${arch}.zip"
# Pins: VERSION ASSET ARCHIVE_SHA256 BINARY_SHA256.
pinned="" pinned_bin=""
if [ "$version" != source ]; then
  read -r pinned pinned_bin < <(awk -v v="$version" -v a="$asset" '$1 == v && $2 == a {print $3, $4; exit}' "$here/checksums.txt") || true
  if [ -n "$pinned" ] && ! printf '%s' "$pinned_bin" | grep -Eq '^[0-9a-f]{64}$'; then
    echo "::error::mlgate setup: the pin for $version $asset has no binary SHA-256 (want VERSION ASSET ARCHIVE_SHA256 BINARY_SHA256)"
    exit 2
  fi
fi

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1" | awk '{print $1}'; else shasum -a 256 "$1" | awk '{print $1}'; fi; }

# 2. The cache: only a regular file (no symlink) whose SHA-256 is pinned.
dir="$cache/$version/$os-$arch"
if [ -n "$pinned" ] && [ -f "$dir/mlgate$exe" ] && [ ! -L "$dir/mlgate$exe" ] && [ ! -L "$dir" ] &&
  [ "$(sha256 "$dir/mlgate$exe")" = "$pinned_bin" ]; then
  finish "$dir" "$version" cache
fi

# 3. The release asset, pinned by checksum. Everything is checked in a
# temporary folder; only a binary that passed every check reaches the cache.
refuse() { echo "::error::mlgate setup: $1"; exit 2; }
fetch() { # name: downloads BASE/VERSION/name into $tmp
  echo "downloading $base/$version/$1"
  curl -fsSL --retry 3 -o "$tmp/$1" "$base/$version/$1" || refuse "cannot download $base/$version/$1"
}
if [ -n "$pinned" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  fetch "$asset"
  got=$(sha256 "$tmp/$asset")
  [ "$got" = "$pinned" ] || refuse "$asset has sha256 $got, but this action pins $pinned; refusing it"
  mkdir "$tmp/bin"
  case "$asset" in
    *.zip) unzip -q -o "$tmp/$asset" "mlgate$exe" -d "$tmp/bin" ;;
    *) tar -xzf "$tmp/$asset" -C "$tmp/bin" "mlgate$exe" ;;
  esac || refuse "cannot extract mlgate$exe from $asset"
  # The pinned binary now checks the release's signed checksums file, so a
  # release whose signature does not come from this repository's release
  # workflow on this tag is refused even when the pin was updated carelessly.
  fetch checksums.txt
  fetch checksums.txt.sigstore.json
  identity="https://github.com/mlgate/mlgate/.github/workflows/release.yml@refs/tags/$version"
  trust=()
  [ -z "${MLGATE_TRUSTED_ROOT:-}" ] || trust=(--trusted-root "$MLGATE_TRUSTED_ROOT")
  # GITHUB_ACTIONS=false: the check must not set this step's outputs or summary.
  # ${trust[@]+...}: an empty array is "unbound" to set -u in bash 3.2 (macOS).
  if ! GITHUB_ACTIONS=false "$tmp/bin/mlgate$exe" verify ${trust[@]+"${trust[@]}"} --bundle "$tmp/checksums.txt.sigstore.json" \
    --certificate-identity "$identity" --certificate-oidc-issuer https://token.actions.githubusercontent.com \
    "$tmp/checksums.txt" > "$tmp/verify.log" 2>&1; then
    cat "$tmp/verify.log"
    refuse "the release's checksums.txt could not be verified as signed by $identity (see above); refusing it"
  fi
  listed=$(awk -v a="$asset" '$2 == a || $2 == "*" a {print $1}' "$tmp/checksums.txt")
  [ "$listed" = "$pinned" ] || refuse "$asset with sha256 $pinned is not in the signed checksums.txt"
  got=$(sha256 "$tmp/bin/mlgate$exe")
  [ "$got" = "$pinned_bin" ] || refuse "mlgate$exe in $asset has sha256 $got, but this action pins $pinned_bin; refusing it"
  # Whatever was planted at the cache path (a file, a symlink, a folder
  # symlink) is removed, then the checked binary takes its place.
  [ ! -L "$dir" ] || rm -f "$dir"
  rm -rf "$dir/mlgate$exe"
  mkdir -p "$dir"
  mv -f "$tmp/bin/mlgate$exe" "$dir/mlgate$exe"
  finish "$dir" "$version" release
fi

# 4. Build from the action's own source.
if [ "$version" != source ]; then
  echo "::warning::mlgate setup: no release $version of $asset is pinned in this action; building from source"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "::error::mlgate setup: no release of mlgate $version is pinned for $os/$arch and Go is not installed to build it (add actions/setup-go before this step)"
  exit 2
fi
dir="$cache/source/$os-$arch"
[ ! -L "$dir" ] || rm -f "$dir"
mkdir -p "$dir"
rm -rf "$dir/mlgate$exe"
echo "building mlgate from $src"
(cd "$src" && go build -trimpath -o "$dir/mlgate$exe" ./cmd/mlgate)
finish "$dir" "$("$dir/mlgate$exe" version | awk '{print $2}')" source
