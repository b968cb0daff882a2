#!/bin/sh
# `up -d` and `down -t 0` of a stack of N busybox services (one user network, one shared
# named volume, depends_on chains of 3), medians over RUNS, hoist beside docker-compose
# (Debian's v1, against a private dockerd: bench/peers.sh) and podman-compose (on a
# private podman store), with ratios from the same run; a peer that fails prints its
# error and the bench goes on. Then a 100-service `up -d` of each, and the memory each
# running hoist container costs (its monitor plus its share of the DNS responder).
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
. "$top/bench/peers.sh"
cleanup() {
    for d in "$work"/stack*; do
        [ -d "$d" ] || continue
        (cd "$d" && $H down -v -t 0 >/dev/null 2>&1) || true
        [ -f "$d/docker.yaml" ] && (cd "$d" && docker-compose -f docker.yaml -p "$(basename "$d")" down -v -t 0 >/dev/null 2>&1) || true
        [ -f "$d/podman.yaml" ] && (cd "$d" && podman-compose -f podman.yaml -p "$(basename "$d")" down -v -t 0 >/dev/null 2>&1) || true
    done
    peer_dockerd_stop
    # podman's overlay mounts live under $work: unmount before removing
    grep -F "$work" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
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

# measure LABEL DIR UPCMD DOWNCMD [RUNS]: median ms of up and of down over RUNS pairs
# (default $runs); the line also goes to $work/LABEL.result for the ratios.
measure() {
    python3 - "$1" "$2" "$3" "$4" "${5:-$runs}" "$work" <<'PY'
import statistics, subprocess, sys, time
label, d, up, down, runs, work = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
ups, downs = [], []
for _ in range(runs):
    for cmd, acc in ((up, ups), (down, downs)):
        t = time.perf_counter()
        r = subprocess.run(cmd, shell=True, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        acc.append((time.perf_counter() - t) * 1000)
        if r.returncode:
            err = r.stderr.decode().strip().splitlines()
            print(f"{label}: `{cmd}` failed: {' / '.join(err[-3:])}")
            sys.exit(0)
u, dn = statistics.median(ups), statistics.median(downs)
print(f"{label}: up -d median {u:.0f} ms, down -t 0 median {dn:.0f} ms")
open(f"{work}/{label.replace(' ', '_').replace(',', '')}.result", "w").write(f"{u} {dn}\n")
PY
}

# ratios LABEL HOISTLABEL: the peer's medians over hoist's, from this run
ratios() {
    local a="$work/$(echo "$1" | tr -d ',' | tr ' ' _).result" b="$work/$(echo "$2" | tr -d ',' | tr ' ' _).result"
    [ -f "$a" ] && [ -f "$b" ] || return 0
    read -r pu pd <"$a"
    read -r hu hd <"$b"
    echo "  $1 / $2: up -d $(ratio "$pu" "$hu"), down -t 0 $(ratio "$pd" "$hd")"
}

# peer_file DIR ENGINE: DIR/ENGINE.yaml, the stack for a compose v1 tool: no top-level
# name (v1 refuses it; the project name goes by -p), the image from the peer's store.
peer_file() {
    sed -e '/^name: /d' -e 's#bench/busybox#localhost/bench/busybox#' "$1/compose.yaml" >"$1/$2.yaml"
}

# peers DIR N RUNS: docker-compose and podman-compose on the stack in DIR
peers() {
    local d=$1 p
    p=$(basename "$1")
    if [ -n "$docker_ok" ]; then
        peer_file "$d" docker
        measure "docker-compose $2" "$d" "docker-compose -f docker.yaml -p $p up -d" \
            "docker-compose -f docker.yaml -p $p down -t 0" "$3"
        ratios "docker-compose $2" "hoist $2"
    fi
    if [ -n "$podman_ok" ]; then
        peer_file "$d" podman
        measure "podman-compose $2" "$d" "podman-compose -f podman.yaml -p $p up -d" \
            "podman-compose -f podman.yaml -p $p down -t 0" "$3"
        ratios "podman-compose $2" "hoist $2"
    fi
}

echo "host: $(nproc) cores, kernel $(uname -r); $n services, $runs runs each"
stack "$work/stack$n" "$n"
(cd "$work/stack$n" && $H up -d >/dev/null 2>&1 && $H down -t 0 >/dev/null 2>&1) # warm-up
measure "hoist $n" "$work/stack$n" "$H up -d" "$H down -t 0"

docker_ok= podman_ok=
if ! command -v docker-compose >/dev/null; then
    echo "docker-compose: not installed"
elif peer_dockerd_start && peer_import docker "$build/fixtures/busybox.tar" localhost/bench/busybox; then
    docker_ok=1
    echo "docker-compose: $(docker-compose version --short 2>&1), dockerd $(dk version -f '{{.Server.Version}}' 2>&1) (private)"
fi
if ! command -v podman-compose >/dev/null; then
    echo "podman-compose: not installed"
elif peer_podman_env && peer_import podman "$build/fixtures/busybox.tar" localhost/bench/busybox; then
    podman_ok=1
    echo "podman-compose: $(podman-compose version 2>/dev/null | sed -n 's/^podman-compose[a-z]* version *//p' | head -1), podman $(podman version -f '{{.Client.Version}}' 2>&1) (private store)"
fi
# warm_up TOOL ENGINE NAME: one up and down, as hoist had; the up must leave all $n services
# running (podman-compose exits 0 even when its containers fail to start).
warm_up() {
    local d="$work/stack$n" running
    peer_file "$d" "$3"
    (cd "$d" && $1 -f "$3.yaml" -p "stack$n" up -d >"$work/warm.log" 2>&1)
    running=$($2 ps -q 2>/dev/null | wc -l)
    (cd "$d" && $1 -f "$3.yaml" -p "stack$n" down -t 0 >/dev/null 2>&1)
    [ "$running" -eq "$n" ] && return 0
    echo "$1: up -d left $running of $n services running: $(grep -i error "$work/warm.log" | tail -1)"
    return 1
}
[ -n "$docker_ok" ] && { warm_up docker-compose dk docker || docker_ok=; }
[ -n "$podman_ok" ] && { warm_up podman-compose podman podman || podman_ok=; }
peers "$work/stack$n" "$n" "$runs"

stack "$work/stack100" 100
measure "hoist 100" "$work/stack100" "$H up -d" "$H down -t 0" 1
peers "$work/stack100" 100 1

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
