#!/bin/sh
# TCP throughput to a "container" through a published port on 127.0.0.1 (kernel DNAT)
# versus straight to its address on the bridge, in the same run (goal: >= 90 % of direct).
# Runs in a network namespace of its own; usage: bench/port-throughput.sh [HOIST] [RUNS] [SECONDS]
# The server is iperf3 in a namespace attached to a hoist network with
# `--publish 5201` (a random host port); the client runs in the bench's namespace,
# alternating the two paths RUNS times; medians are printed in MB/s (10^6 bytes).
set -eu
HOIST=${1:-$(dirname "$0")/../build-ports/hoist}
RUNS=${2:-5}
SECS=${3:-3}
[ "$(id -u)" = 0 ] || { echo "port-throughput.sh: run as root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "port-throughput.sh: needs iperf3 (scripts/install-deps.sh)" >&2; exit 1; }
if [ "${PORT_BENCH_INNER:-}" != 1 ]; then
    exec env PORT_BENCH_INNER=1 unshare --net -- "$0" "$HOIST" "$RUNS" "$SECS"
fi
ip link set lo up
T=$(mktemp -d /tmp/hoist-port-bench.XXXXXX)
H="$HOIST --root $T/root --runroot $T/run"
ns=""
srv=""
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null
    [ -n "$ns" ] && kill "$ns" 2>/dev/null
    wait 2>/dev/null || true
    $H network detach --release bench c1 2>/dev/null || true
    $H network rm bench >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT

$H network create --subnet 10.98.0.0/24 bench >/dev/null
unshare --net sleep 3600 &
ns=$!
while [ "$(readlink /proc/$ns/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
ctr_ip=$($H network attach --pid "$ns" --publish 5201 bench c1 | cut -d/ -f1)
host_port=$($H network inspect bench | jq -r '.[0].Containers.c1.Ports["5201/tcp"][0].HostPort')
nsenter --net=/proc/$ns/ns/net iperf3 -s -p 5201 >/dev/null 2>&1 &
srv=$!
for _ in $(seq 100); do
    nsenter --net=/proc/$ns/ns/net ss -ltn 2>/dev/null | grep -q ':5201 ' && break
    sleep 0.05
done

# MB/s received by the server in one run.
run() {
    iperf3 -c "$1" -p "$2" -t "$SECS" -J | jq '.end.sum_received.bits_per_second / 8 / 1e6'
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

i=0
while [ $i -lt "$RUNS" ]; do
    run "$ctr_ip" 5201 >>"$T/direct"
    run 127.0.0.1 "$host_port" >>"$T/published"
    i=$((i + 1))
done
direct=$(median <"$T/direct")
published=$(median <"$T/published")
awk -v d="$direct" -v p="$published" -v n="$RUNS" -v s="$SECS" -v hp="$host_port" -v ip="$ctr_ip" 'BEGIN {
    printf "iperf3, TCP, %d runs of %d s each, medians\n", n, s
    printf "direct to %s:5201:          %8.0f MB/s\n", ip, d
    printf "published 127.0.0.1:%-5s -> :5201: %8.0f MB/s\n", hp, p
    printf "published / direct:               %7.1f %%\n", 100 * p / d
}'
