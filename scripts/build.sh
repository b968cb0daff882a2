#!/bin/sh
# usage: build.sh BUILDDIR [cmake args...]
set -eu
dir=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
