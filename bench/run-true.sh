#!/bin/sh
# Median time of `hoist container run --rm --network none IMAGE true`, with runc (and
# podman / docker when installed) on the same busybox rootfs in the same run.
# usage: bench/run-true.sh [BUILDDIR] [RUNS]     (as root)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${2:-30}
hoist=$build/hoist
timeit=$build/bench/hoist-timeit
[ -x "$hoist" ] && [ -x "$timeit" ] || { echo "build first: scripts/build.sh $build" >&2; exit 1; }
mkdir -p "$build/fixtures"
[ -f "$build/fixtures/busybox.tar" ] || "$top/tests/fixtures/mkrootfs.sh" "$build/fixtures"

work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
H="$hoist --root $work/root --runroot $work/run --cgroup-parent hoist-bench"
$H image import "$build/fixtures/busybox.tar" bench/busybox >/dev/null

echo "host: $(nproc) cores, kernel $(uname -r), $runs runs each"
# One warm-up run each, so page-cache misses are not counted.
$H container run --rm --network none bench/busybox true
hoist_line=$("$timeit" "hoist run --rm true" "$runs" $H container run --rm --network none bench/busybox true)
echo "$hoist_line"
hoist_med=$(echo "$hoist_line" | sed 's/.*median *\([0-9.]*\).*/\1/')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx\n", a / b }'; }

if command -v runc >/dev/null; then
    b=$work/runc-bundle
    mkdir -p "$b"
    cp -a "$build/fixtures/rootfs" "$b/rootfs"
    (cd "$b" && runc spec)
    python3 - "$b/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"))
PY
    runc --root "$work/runc" run --bundle "$b" bench-warm >/dev/null
    line=$("$timeit" "runc run true" "$runs" runc --root "$work/runc" run --bundle "$b" bench)
    echo "$line"
    echo "  runc / hoist: $(ratio "$(echo "$line" | sed 's/.*median *\([0-9.]*\).*/\1/')" "$hoist_med")"
else
    echo "runc: not installed"
fi
for engine in podman docker; do
    if command -v $engine >/dev/null && $engine info >/dev/null 2>&1; then
        line=$("$timeit" "$engine run --rm true" "$runs" $engine run --rm --network none busybox true)
        echo "$line"
        echo "  $engine / hoist: $(ratio "$(echo "$line" | sed 's/.*median *\([0-9.]*\).*/\1/')" "$hoist_med")"
    else
        echo "$engine: not available"
    fi
done
