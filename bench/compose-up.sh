#!/bin/sh
# `up -d` and `down -t 0` of a stack of N busybox services (one user network, one shared
# named volume, depends_on chains of 3), medians over RUNS, hoist beside docker-compose
# (Debian's, with a running docker daemon) and podman-compose when they are installed;
# then a 100-service `up -d`, and the memory each running container costs (its monitor
# plus its share of the per-network DNS responder).
# usage: bench/compose-up.sh [BUILDDIR] [RUNS] [N]   (as root; runs in its own netns)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${2:-10}
n=${3:-10}
if [ -z "${HOIST_BENCH_NETNS:-}" ]; then
    HOIST_BENCH_NETNS=1 exec unshare --net "$0" "$build" "$runs" "$n"
fi
ip link set lo up
hoist=$build/hoist
mkdir -p "$build/fixtures"
[ -f "$build/fixtures/busybox.tar" ] || "$top/tests/fixtures/mkrootfs.sh" "$build/fixtures"
work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
H="$hoist --root $work/root --runroot $work/run --cgroup-parent hoist-bench"
cleanup() {
    for d in "$work"/stack*; do
        [ -d "$d" ] && (cd "$d" && $H down -v -t 0 >/dev/null 2>&1) || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
$H image import --change 'CMD ["sh"]' "$build/fixtures/busybox.tar" bench/busybox >/dev/null

# stack DIR COUNT: write DIR/compose.yaml
stack() {
    mkdir -p "$1"
    {
        echo "name: bench$2"
        echo "services:"
        i=1
        while [ "$i" -le "$2" ]; do
            echo "  s$i:"
            echo "    image: bench/busybox"
            echo "    command: sleep 3600"
            echo "    stop_signal: KILL"
            echo "    networks: [net]"
            echo "    volumes: [shared:/shared]"
            [ $((i % 3)) -ne 1 ] && echo "    depends_on: [s$((i - 1))]"
            i=$((i + 1))
        done
        echo "networks:"
        echo "  net: {}"
        echo "volumes:"
        echo "  shared: {}"
    } >"$1/compose.yaml"
}

# measure LABEL DIR UPCMD DOWNCMD: median ms of up and of down over $runs pairs
measure() {
    python3 - "$@" "$runs" <<'PY'
import statistics, subprocess, sys, time
label, d, up, down, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ups, downs = [], []
for _ in range(runs):
    for cmd, acc in ((up, ups), (down, downs)):
        t = time.perf_counter()
        r = subprocess.run(cmd, shell=True, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        acc.append((time.perf_counter() - t) * 1000)
        if r.returncode:
            sys.exit(f"{label}: `{cmd}` failed: {r.stderr.decode().strip()}")
print(f"{label}: up -d median {statistics.median(ups):.0f} ms, down -t 0 median {statistics.median(downs):.0f} ms")
PY
}

echo "host: $(nproc) cores, kernel $(uname -r); $n services, $runs runs each"
stack "$work/stack$n" "$n"
(cd "$work/stack$n" && $H up -d >/dev/null 2>&1 && $H down -t 0 >/dev/null 2>&1) # warm-up
measure hoist "$work/stack$n" "$H up -d" "$H down -t 0"
if command -v docker-compose >/dev/null && docker info >/dev/null 2>&1; then
    sed 's#bench/busybox#busybox#' "$work/stack$n/compose.yaml" >"$work/stack$n/docker.yaml"
    measure docker-compose "$work/stack$n" "docker-compose -f docker.yaml up -d" "docker-compose -f docker.yaml down -t 0"
else
    echo "docker-compose: not available (needs docker-compose and a running docker daemon)"
fi
if command -v podman-compose >/dev/null && command -v podman >/dev/null; then
    sed 's#bench/busybox#busybox#' "$work/stack$n/compose.yaml" >"$work/stack$n/podman.yaml"
    measure podman-compose "$work/stack$n" "podman-compose -f podman.yaml up -d" "podman-compose -f podman.yaml down -t 0"
else
    echo "podman-compose: not available"
fi

stack "$work/stack100" 100
measure "hoist, 100 services" "$work/stack100" "$H up -d" "$H down -t 0"

# Memory per running container: monitors plus the DNS responders, over the containers.
(cd "$work/stack$n" && $H up -d >/dev/null 2>&1)
python3 - "$work" "$n" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
mon = dns = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        if work.encode() not in b" ".join(cmd):
            continue
        rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
    except (OSError, StopIteration):
        continue
    name = os.path.basename(cmd[0].decode())
    if name == "hoist-monitor":
        mon += rss
    elif name == "hoist-dns":
        dns += rss
print(f"memory: monitors {mon} kB + DNS {dns} kB for {n} containers = {(mon + dns) / n:.0f} kB per container")
PY
(cd "$work/stack$n" && $H down -v -t 0 >/dev/null 2>&1)
