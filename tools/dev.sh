#!/usr/bin/env bash
# Development build without installing: compiles _ext/ into build/dev and links
# the modules into arraymask/_ext/ (git-ignored), so that `PYTHONPATH=$PWD pytest`
# uses the source tree. Several shells may call it at once (flock).
#   tools/dev.sh            build (incremental)
#   tools/dev.sh --checks   rebuild with Cython bounds checks on (build/dev-checks)
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=build/dev
opts=()
if [[ "${1:-}" == "--checks" ]]; then builddir=build/dev-checks; opts=(-Dbounds-check=true); fi
exec 9>/tmp/arraymask-dev-build.lock
flock 9
if [[ ! -f $builddir/build.ninja ]]; then
  meson setup "$builddir" ${opts[@]+"${opts[@]}"} >/dev/null
fi
if ! out=$(ninja -C "$builddir" 2>&1); then echo "$out" >&2; exit 1; fi
mkdir -p arraymask/_ext
rm -f arraymask/_ext/*
for f in _ext/__init__.py _ext/*.pyi; do ln -sf "../../$f" arraymask/_ext/; done
for f in "$builddir"/_ext/*.so; do ln -sf "../../$f" arraymask/_ext/; done
echo "built into $builddir, linked into arraymask/_ext"
