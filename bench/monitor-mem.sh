#!/bin/sh
# RSS and PSS of the monitor of one running container (from /proc/PID/smaps_rollup),
# without and with a healthcheck probing every 100 ms (measured after 20 probes), beside
# the peers' per-container monitors on the same image: podman's conmon (private store)
# and docker's containerd-shim (private dockerd) (bench/peers.sh), with ratios.
# usage: bench/monitor-mem.sh [BUILDDIR]     (as root; runs in its own netns)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
hoist=$build/hoist
if [ -z "${HOIST_BENCH_NETNS:-}" ]; then
    HOIST_BENCH_NETNS=1 exec unshare --net "$0" "$build"
fi
ip link set lo up
mkdir -p "$build/fixtures"
[ -f "$build/fixtures/busybox.tar" ] || "$top/tests/fixtures/mkrootfs.sh" "$build/fixtures"
work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
H="$hoist --root $work/root --runroot $work/run --cgroup-parent hoist-bench"
. "$top/bench/peers.sh"
cleanup() {
    $H container rm -f bench-mem bench-mem-health >/dev/null 2>&1 || true
    podman rm -f -t 0 bench-mem >/dev/null 2>&1 || true
    [ -n "${PEER_DOCKERD_PID:-}" ] && dk rm -f bench-mem >/dev/null 2>&1 || true
    peer_dockerd_stop
    grep -F "$work" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
$H image import "$build/fixtures/busybox.tar" bench/busybox >/dev/null
$H container run -d --name bench-mem bench/busybox sleep 600 >/dev/null
$H container run -d --name bench-mem-health --health-cmd 'echo probe' --health-interval 100ms \
    bench/busybox sleep 600 >/dev/null
# 20 probes at 100 ms: the second container's log holds its last 5.
while [ "$($H container inspect bench-mem-health | grep -c '"ExitCode"')" -lt 5 ]; do sleep 0.1; done
sleep 1.5
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
            [ "$name" = bench-mem ] && hoist_pss=$pss
            ;;
        esac
    done
done
[ $found = 2 ] || { echo "monitor processes not found" >&2; exit 1; }

# mem LABEL PID: RSS and PSS of PID, and PSS over hoist's monitor
mem() {
    local rss pss
    rss=$(awk '/^Rss:/ {print $2}' "/proc/$2/smaps_rollup")
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$2/smaps_rollup")
    echo "$1 pid $2: RSS $rss kB, PSS $pss kB; PSS $1 / hoist-monitor: $(ratio "$pss" "$hoist_pss")"
}
if peer_podman_env && peer_import podman "$build/fixtures/busybox.tar" localhost/bench/busybox; then
    if podman run -d --name bench-mem --network none localhost/bench/busybox sleep 600 >"$work/p.err" 2>&1; then
        mem "podman conmon" "$(podman inspect -f '{{.State.ConmonPid}}' bench-mem)"
    else
        echo "podman run failed: $(tail -1 "$work/p.err")"
    fi
fi
if peer_dockerd_start && peer_import docker "$build/fixtures/busybox.tar" localhost/bench/busybox; then
    if dk run -d --name bench-mem --network none localhost/bench/busybox sleep 600 >"$work/d.err" 2>&1; then
        cpid=$(dk inspect -f '{{.State.Pid}}' bench-mem)
        mem "docker containerd-shim" "$(awk '{print $4}' "/proc/$cpid/stat")"
    else
        echo "docker run failed: $(tail -1 "$work/d.err")"
    fi
fi
