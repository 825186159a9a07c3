#!/usr/bin/env bash
# Builds the release archives reproducibly into dist/: the same commit gives the
# same bytes on any machine (-trimpath, no build id, fixed file times and owners,
# sorted archive entries), then writes dist/checksums.txt.
# Usage: scripts/dist.sh VERSION [GOOS/GOARCH ...]
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/dist.sh VERSION [GOOS/GOARCH ...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
rm -rf dist && mkdir -p dist
for target in "${targets[@]}"; do
  os=${target%/*} arch=${target#*/}
  exe=""; [ "$os" = windows ] && exe=.exe
  work=$(mktemp -d)
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags "-s -w -buildid= -X main.version=$version" -o "$work/mlgate$exe" ./cmd/mlgate
  cp LICENSE README.md "$work/"
  chmod 0644 "$work/LICENSE" "$work/README.md"; chmod 0755 "$work/mlgate$exe"
  touch -d "@$epoch" "$work"/*
  name="mlgate_${os}_${arch}"
  if [ "$os" = windows ]; then
    (cd "$work" && TZ=UTC zip -q -X -D "$OLDPWD/dist/$name.zip" LICENSE README.md "mlgate$exe")
  else
    tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu \
      -C "$work" -cf - LICENSE README.md mlgate | gzip -n -9 > "dist/$name.tar.gz"
  fi
  rm -rf "$work"
  echo "built dist/$name"
done
(cd dist && sha256sum mlgate_* > checksums.txt)
cat dist/checksums.txt
