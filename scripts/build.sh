#!/bin/sh
# usage: build.sh BUILDDIR [cmake args...]
# A development build: any compiler warning fails it (HOIST_WERROR; a plain cmake
# build, as a distributor runs it, only warns). A later -DHOIST_WERROR=OFF wins.
set -eu
dir=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$dir" -DHOIST_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
