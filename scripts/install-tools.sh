#!/usr/bin/env bash
# Installs the pinned third-party programs the tests run against. Idempotent:
# what is already installed at the right version is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

gobin="$(go env GOPATH)/bin"
install_go() { # name module@version
  local name=$1 mod=$2 stamp="$gobin/.$1.version"
  if [ -x "$gobin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$mod" ]; then return; fi
  echo "installing $mod"
  go install "$mod"
  echo "$mod" > "$stamp"
}
# install_go_as NAME MODULE/CMD VERSION: builds the command in a throwaway
# module and installs it as NAME: for a second major version beside the first
# (cosign3), and for modules whose version list the module proxy does not
# serve (go install pkg@version reads it; go get of one version does not).
install_go_as() {
  local name=$1 pkg=$2 version=$3 stamp="$gobin/.$1.version" tmp
  if [ -x "$gobin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg@$version" ]; then return; fi
  echo "installing $pkg@$version as $name"
  tmp=$(mktemp -d)
  (cd "$tmp" && go mod init tools.local/"$name" >/dev/null 2>&1 && go get "$pkg@$version" && go build -o "$gobin/$name" "$pkg")
  rm -rf "$tmp"
  echo "$pkg@$version" > "$stamp"
}
install_go actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
install_go opa github.com/open-policy-agent/opa@v1.22.3
install_go cosign github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5
install_go registry github.com/distribution/distribution/v3/cmd/registry@v3.1.2
# A second registry with the OCI 1.1 referrers API (distribution has none).
install_go_as olareg github.com/olareg/olareg/cmd/olareg v0.2.2
# The current cosign beside v2, for the interop tests with both.
install_go_as cosign3 github.com/sigstore/cosign/v3/cmd/cosign v3.1.3
install_go oras oras.land/oras/cmd/oras@v1.3.6
install_go conftest github.com/open-policy-agent/conftest@v0.71.1
install_go act github.com/nektos/act@v0.2.89
# Object-store servers for pkg/objstore's tests (internal/objstoretest): S3 and GCS.
install_go versitygw github.com/versity/versitygw/cmd/versitygw@v1.8.0
install_go fake-gcs-server github.com/fsouza/fake-gcs-server@v1.56.1

# npm packages by exact version (scripts/npm/package.json).
if [ ! -f scripts/npm/node_modules/.installed ] || ! cmp -s scripts/npm/package.json scripts/npm/node_modules/.installed; then
  echo "installing npm packages"
  (cd scripts/npm && npm install --no-audit --no-fund --no-save --loglevel=error)
  cp scripts/npm/package.json scripts/npm/node_modules/.installed
fi

# Debian's Chromium and a colour emoji font, for the test that renders the
# golden reports as GitHub shows them (pkg/report TestGoldenReportsInChromium).
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Color Emoji'; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
  if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
    echo "installing chromium and fonts-noto-color-emoji"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
  else
    echo "chromium is missing: install it with 'sudo apt-get install chromium fonts-noto-color-emoji'" >&2
  fi
fi

# tmux from Debian, for the terminal captures of the report at 80 and 200
# columns (scripts/tmux-capture.sh, internal/workflowtest TestTmuxCaptureFits).
if ! command -v tmux >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
  if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
    echo "installing tmux"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq tmux >/dev/null
  else
    echo "tmux is missing: install it with 'sudo apt-get install tmux'" >&2
  fi
fi

# SciPy from Debian, for the drift statistics cross-check, and joblib, whose
# compressed pickles the serialization sniffer must recognise (Debian's own python3).
if ! /usr/bin/python3 -c 'import scipy, joblib' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
  if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
    echo "installing python3-scipy python3-joblib"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-scipy python3-joblib >/dev/null
  else
    echo "python3-scipy or python3-joblib is missing: install them with 'sudo apt-get install python3-scipy python3-joblib'" >&2
  fi
fi
