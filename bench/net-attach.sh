#!/bin/sh
# Time to attach one container to a bridge network: veth pair created with its peer
# inside the container's namespace, address, up, default route (goal <= 3 ms).
# Runs in a network namespace of its own; usage: bench/net-attach.sh [HOIST] [N]
# Reports the median of N `hoist network attach` runs minus the median of as many
# `hoist --version` runs (the cost of exec'ing hoist), for the wiring of a reserved
# address (what a container start pays) and for reserve + wire in one call.
set -eu
HOIST=${1:-$(dirname "$0")/../build-net/hoist}
N=${2:-50}
[ "$(id -u)" = 0 ] || { echo "net-attach.sh: run as root" >&2; exit 1; }
if [ "${NET_BENCH_INNER:-}" != 1 ]; then
    exec env NET_BENCH_INNER=1 unshare --net -- "$0" "$HOIST" "$N"
fi
ip link set lo up
T=$(mktemp -d /tmp/hoist-net-bench.XXXXXX)
H="$HOIST --root $T/root --runroot $T/run"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
$H network create --subnet 10.99.0.0/16 bench >/dev/null

now() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

i=0
while [ $i -lt "$N" ]; do
    unshare --net sleep 600 &
    pids="$pids $!"
    i=$((i + 1))
done
sleep 0.2

i=0
for p in $pids; do
    t0=$(now); $HOIST --version >/dev/null; t1=$(now)
    echo $((t1 - t0)) >>"$T/base"
    if [ $((i % 2)) = 0 ]; then
        $H network attach bench "c$i" >/dev/null
        t0=$(now); $H network attach --pid "$p" bench "c$i" >/dev/null; t1=$(now)
        echo $((t1 - t0)) >>"$T/wire"
    else
        t0=$(now); $H network attach --pid "$p" bench "c$i" >/dev/null; t1=$(now)
        echo $((t1 - t0)) >>"$T/both"
    fi
    i=$((i + 1))
done
base=$(median <"$T/base")
wire=$(median <"$T/wire")
both=$(median <"$T/both")
awk -v b="$base" -v w="$wire" -v r="$both" 'BEGIN {
    printf "exec of hoist (--version):        %.2f ms\n", b / 1e6
    printf "attach, address reserved before:  %.2f ms (%.2f ms with the exec)\n", (w - b) / 1e6, w / 1e6
    printf "attach, reserve + wire:           %.2f ms (%.2f ms with the exec)\n", (r - b) / 1e6, r / 1e6
}'
