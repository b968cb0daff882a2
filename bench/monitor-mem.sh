#!/bin/sh
# RSS and PSS of the monitor of one running container (from /proc/PID/smaps_rollup),
# without and with a healthcheck probing every 100 ms (measured after 20 probes).
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
    $H container rm -f bench-mem bench-mem-health >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
$H image import "$build/fixtures/busybox.tar" bench/busybox >/dev/null
$H container run -d --name bench-mem bench/busybox sleep 600 >/dev/null
$H container run -d --name bench-mem-health --health-cmd 'echo probe' --health-interval 100ms \
    bench/busybox sleep 600 >/dev/null
sleep 2
found=0
for name in bench-mem bench-mem-health; do
    dir=$work/root/containers/$($H container inspect "$name" | sed -n 's/.*"Id": "\([0-9a-f]*\)".*/\1/p' | head -1)
    for p in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
        case "$cmd" in
        *hoist-monitor*"--ctr-dir=$dir "*)
            found=$((found + 1))
            pid=${p#/proc/}
            rss=$(awk '/^Rss:/ {print $2}' "$p/smaps_rollup")
            pss=$(awk '/^Pss:/ {print $2}' "$p/smaps_rollup")
            echo "$name: monitor pid $pid: RSS $rss kB, PSS $pss kB"
            ;;
        esac
    done
done
[ $found = 2 ] || { echo "monitor processes not found" >&2; exit 1; }
