#!/bin/sh
# RSS and PSS of the monitor of one running container (from /proc/PID/smaps_rollup).
# usage: bench/monitor-mem.sh [BUILDDIR]     (as root)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
hoist=$build/hoist
mkdir -p "$build/fixtures"
[ -f "$build/fixtures/busybox.tar" ] || "$top/tests/fixtures/mkrootfs.sh" "$build/fixtures"
work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
H="$hoist --root $work/root --runroot $work/run --cgroup-parent hoist-bench"
cleanup() {
    $H container rm -f bench-mem >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
$H image import "$build/fixtures/busybox.tar" bench/busybox >/dev/null
$H container run -d --name bench-mem bench/busybox sleep 600 >/dev/null
sleep 1
found=0
for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
    case "$cmd" in
    *hoist-monitor*"$work"*)
        found=1
        pid=${p#/proc/}
        rss=$(awk '/^Rss:/ {print $2}' "$p/smaps_rollup")
        pss=$(awk '/^Pss:/ {print $2}' "$p/smaps_rollup")
        echo "monitor pid $pid: RSS $rss kB, PSS $pss kB"
        ;;
    esac
done
[ $found = 1 ] || { echo "no monitor process found" >&2; exit 1; }
