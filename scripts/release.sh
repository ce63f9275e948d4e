#!/usr/bin/env bash
# Builds the release: quorum for Linux, macOS and Windows on amd64 and arm64,
# one archive each and a SHA256SUMS file, into dist/ or the folder given.
#
#   scripts/release.sh [out-dir]
#
# The binaries are static (CGO_ENABLED=0: the SQLite driver is pure Go) and
# reproducible: the same commit built with the same Go version gives the same
# bytes on any machine, so anyone can check a download against a build of
# their own. That takes -trimpath (no build paths), an empty build id, no VCS
# stamp (it would mark untracked files as a change; the -X values say which
# commit it is), fixed GOAMD64/GOARM64 levels, and archives whose times,
# owners and order are fixed: every date is the commit's, SOURCE_DATE_EPOCH.
#
# The version is VERSION if set, else `git describe` (a tag, or the commit);
# a tree with uncommitted changes gets "-dirty" and is not reproducible.
# Needs Go, git, GNU tar, gzip and zip.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist}
commit=$(git rev-parse HEAD)
version=${VERSION:-$(git describe --tags --always --dirty)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w -buildid= -X main.version=$version -X main.commit=$commit -X main.date=$date"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/quorum_*.tar.gz "$out"/quorum_*.zip "$out"/SHA256SUMS
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

echo "quorum $version, commit $commit, $date, $(go version)"
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  goos=${target%/*} goarch=${target#*/}
  name=quorum_${version}_${goos}_${goarch}
  exe=quorum
  [ "$goos" = windows ] && exe=quorum.exe
  rm -rf "${stage:?}"/*
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch GOAMD64=v1 GOARM64=v8.0 \
    go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$stage/$exe" ./cmd/quorum
  chmod 0755 "$stage/$exe"
  touch -d "@$SOURCE_DATE_EPOCH" "$stage/$exe"
  # An archive, not a bare binary: a browser's download keeps no execute bit.
  # Windows opens a .zip by itself; macOS and Linux a .tar.gz.
  if [ "$goos" = windows ]; then
    (cd "$stage" && TZ=UTC zip -q -X -D "$out/$name.zip" "$exe")
  else
    tar -C "$stage" --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" \
      --owner=0 --group=0 --numeric-owner -cf - "$exe" | gzip -n -9 >"$out/$name.tar.gz"
  fi
  echo "  $name: $(stat -c %s "$stage/$exe") bytes"
done
(cd "$out" && sha256sum quorum_*.tar.gz quorum_*.zip >SHA256SUMS)
cat "$out/SHA256SUMS"
