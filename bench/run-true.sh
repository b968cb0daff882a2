#!/bin/sh
# Median time of `hoist container run --rm --network none IMAGE true`, with runc, podman
# (private store) and docker (private dockerd) on the same busybox rootfs in the same run
# (bench/peers.sh), ratios to hoist; a peer that fails prints its error, the bench goes on.
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

if [ -z "${HOIST_BENCH_NETNS:-}" ]; then
    HOIST_BENCH_NETNS=1 exec unshare --net "$0" "$build" "$runs"
fi
ip link set lo up
work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
. "$top/bench/peers.sh"
cleanup() {
    peer_dockerd_stop
    grep -F "$work" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
H="$hoist --root $work/root --runroot $work/run --cgroup-parent hoist-bench"
$H image import "$build/fixtures/busybox.tar" bench/busybox >/dev/null

echo "host: $(nproc) cores, kernel $(uname -r), $runs runs each"
# One warm-up run each, so page-cache misses are not counted.
$H container run --rm --network none bench/busybox true
hoist_line=$("$timeit" "hoist run --rm true" "$runs" $H container run --rm --network none bench/busybox true)
echo "$hoist_line"
hoist_med=$(median_of "$hoist_line")

# timed LABEL CMD...: one warm-up, then the timeit line and the ratio to hoist; a
# failing command prints its error and the bench goes on.
timed() {
    local label=$1 out line
    shift
    if ! out=$("$@" 2>&1); then
        echo "$label: failed: $(echo "$out" | tail -2 | tr '\n' ' ')"
        return 0
    fi
    line=$("$timeit" "$label" "$runs" "$@") || { echo "$label: failed during the runs"; return 0; }
    echo "$line"
    echo "  $label / hoist: $(ratio "$(median_of "$line")" "$hoist_med")"
}

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
    timed "runc run true" runc --root "$work/runc" run --bundle "$b" bench
else
    echo "runc: not installed"
fi
if peer_podman_env && peer_import podman "$build/fixtures/busybox.tar" localhost/bench/busybox; then
    timed "podman run --rm true" podman run --rm --network none localhost/bench/busybox true
fi
if peer_dockerd_start && peer_import docker "$build/fixtures/busybox.tar" localhost/bench/busybox; then
    timed "docker run --rm true" /usr/bin/docker run --rm --network none localhost/bench/busybox true
fi
