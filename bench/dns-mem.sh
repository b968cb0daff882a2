#!/bin/sh
# One network's DNS responder (hoist-dns): its RSS and PSS (from /proc/PID/smaps_rollup)
# while it serves 100 endpoints, and UDP query round trips from the host: a name of
# the network, and a name relayed to a fake upstream on 127.0.0.5. Everything runs in
# a network namespace of its own.
# usage: bench/dns-mem.sh [BUILDDIR] [QUERIES]     (as root)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
queries=${2:-5000}
[ -x "$build/hoist" ] && [ -x "$build/hoist-dns" ] || { echo "build $build first" >&2; exit 1; }
work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export build work queries top
unshare --net sh -eu -c '
H="$build/hoist --root $work/root --runroot $work/run"
ip link set lo up
printf "nameserver 127.0.0.5\n" >"$work/resolv.conf"
export HOIST_DNS_RESOLV_CONF=$work/resolv.conf
cp "$top/tests/integration/dns_tool.py" "$work/upstream.py"
/usr/bin/python3 "$work/upstream.py" serve 127.0.0.5 /dev/null >"$work/upstream.out" &
up=$!
unshare --net sleep 600 &
ns=$!
cleanup() {
    kill $up $ns 2>/dev/null || true
    $H network detach --release bench c0 >/dev/null 2>&1 || true
    i=1
    while [ $i -le 100 ]; do $H network detach --release bench c$i 2>/dev/null; i=$((i + 1)); done
    $H network rm bench >/dev/null 2>&1 || true
}
trap cleanup EXIT
$H network create --subnet 10.250.0.0/16 bench >/dev/null
# 100 reserved endpoints with an alias each, one of them shared by all.
i=1
while [ $i -le 100 ]; do
    $H network attach --name "svc$i" --alias "replica-$i" --alias all bench "c$i" >/dev/null
    i=$((i + 1))
done
sleep 0.1
$H network attach --pid $ns --name web bench c0 >/dev/null
pid=$(cat "$work/root/networks/bench.dns.pid")
/usr/bin/python3 - "$queries" <<"EOF"
import socket, struct, sys, time
n = int(sys.argv[1])
def q(name):
    return struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0\0\1\0\1"
for name, label in (("svc77", "network name"), ("all", "name of 100 endpoints (TC)"),
                    ("up.example", "relayed upstream")):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("10.250.0.1", 53))
    pkt, times = q(name), []
    for _ in range(n):
        t = time.perf_counter_ns()
        s.send(pkt)
        s.recv(4096)
        times.append(time.perf_counter_ns() - t)
    times.sort()
    print("%-28s median %5.1f us  p99 %6.1f us  (%d queries, python client)"
          % (label, times[n // 2] / 1e3, times[n * 99 // 100] / 1e3, n))
EOF
rss=$(awk "/^Rss:/ {print \$2}" /proc/$pid/smaps_rollup)
pss=$(awk "/^Pss:/ {print \$2}" /proc/$pid/smaps_rollup)
echo "hoist-dns pid $pid (100 endpoints, after the queries): RSS $rss kB, PSS $pss kB"
'
