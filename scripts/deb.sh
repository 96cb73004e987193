#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the Debian package, built by Debian's own tools from a copy of
# the tree (dpkg-buildpackage writes next to the source folder, so the copy
# keeps the repository clean), then checked by lintian (errors fail).
# Result: $BUILD/deb/bpfcost_VERSION_ARCH.deb
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
version=$(cat VERSION)
changelog=$(dpkg-parsechangelog -S Version)
if [ "$changelog" != "$version" ]; then
  echo "deb: debian/changelog says $changelog, VERSION says $version (add a changelog entry)" >&2
  exit 1
fi
out=$BUILD/deb
src=$out/bpfcost-$version
deb=$out/bpfcost_${version}_$(dpkg --print-architecture).deb
commit=$(make -s --no-print-directory -f Makefile print-commit)
# The tracked files (a clean tree, what a fresh clone has), with the
# working tree's changes; without git, everything but the build output.
tracked() {
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done
}
# Up to date (a package lintian passed, of this commit, no tracked file
# newer): nothing to do, so that tests can call make deb again.
if git rev-parse --git-dir > /dev/null 2>&1 && [ -f "$deb" ] &&
   [ "$(cat "$out/stamp" 2>/dev/null)" = "$version $commit" ] &&
   [ -z "$(tracked | xargs -0 -r find 2>/dev/null -newer "$deb" -print -quit)" ]; then
  echo "deb: $deb is up to date" >&2
  ls "$deb"
  exit 0
fi
rm -rf "$out"
mkdir -p "$src"
if git rev-parse --git-dir > /dev/null 2>&1; then
  tracked | xargs -0 cp --parents -t "$src"
else
  tar --exclude="./$BUILD" --exclude=./bpfcost -cf - . | tar -xf - -C "$src"
fi
# --version names the commit; the copy has no .git.
echo "$commit" > "$src/COMMIT"
# vmlinux.h comes from this host's BTF; reuse ours when we have one.
if [ -f "$BUILD/vmlinux.h" ]; then mkdir -p "$src/build" && cp "$BUILD/vmlinux.h" "$src/build/"; fi
echo "deb: building $deb" >&2
( cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc ) > "$out/build.log" 2>&1 || {
  echo "deb: dpkg-buildpackage failed; the end of $out/build.log:" >&2
  tail -20 "$out/build.log" >&2
  exit 1
}
changes=$(ls "$out"/bpfcost_"$version"_*.changes)
# lintian: errors fail the build; warnings are printed.
if ! lintian --fail-on error "$changes" > "$out/lintian.log" 2>&1; then
  echo "deb: lintian reports errors:" >&2
  grep '^E:' "$out/lintian.log" >&2 || tail -5 "$out/lintian.log" >&2
  exit 1
fi
grep -E '^[WI]:' "$out/lintian.log" >&2 || true
echo "$version $commit" > "$out/stamp"
ls "$deb"
