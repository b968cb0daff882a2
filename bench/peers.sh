# Peers for the benchmarks, each private to the bench's scratch directory $work, so no
# bench touches the host's own docker or podman (their services, stores, networks):
#   peer_dockerd_start  a dockerd of its own (as tests/integration/helpers.bash
#                       dockerd_start): data root and socket under $work, in a network and
#                       mount namespace of its own whose /run and /etc/docker are scratch
#                       tmpfs, no iptables; DOCKER_HOST points at it. peer_dockerd_stop.
#   peer_podman_env     podman (and podman-compose) on a store, run dir, network config
#                       and tmp dir under $work (CONTAINERS_STORAGE_CONF, CONTAINERS_CONF)
#   peer_import ENGINE TAR NAME   the busybox fixture as image NAME (docker or podman)
# Nothing is pulled: images come from the local fixture only. A peer that fails prints
# why and returns non-zero; the bench goes on without it.

# peer_dockerd_start [samenet]: samenet keeps the bench's own network namespace (to reach
# its loopback registry); call it only from a bench that runs in a namespace of its own.
peer_dockerd_start() {
    command -v dockerd >/dev/null && [ -x /usr/bin/docker ] ||
        { echo "docker: dockerd or /usr/bin/docker is not installed (scripts/install-deps.sh)"; return 1; }
    mkdir -p "$work/docker-run"
    local net=--net
    [ "${1:-}" = samenet ] && net=
    unshare $net --mount --propagation private sh -c \
        'ip link set lo up && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /etc/docker && exec "$@"' sh \
        dockerd --data-root "$work/docker" --exec-root "$work/docker-run" \
        --pidfile "$work/docker-run/dockerd.pid" -H "unix://$work/docker.sock" --bridge=none \
        --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --storage-driver overlay2 >"$work/dockerd.log" 2>&1 &
    PEER_DOCKERD_PID=$!
    export DOCKER_HOST=unix://$work/docker.sock
    local i
    for i in $(seq 600); do
        /usr/bin/docker version >/dev/null 2>&1 && return 0
        kill -0 "$PEER_DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "docker: the private dockerd did not start:"
    tail -5 "$work/dockerd.log"
    peer_dockerd_stop
    return 1
}

peer_dockerd_stop() {
    [ -n "${PEER_DOCKERD_PID:-}" ] || return 0
    kill "$PEER_DOCKERD_PID" 2>/dev/null
    wait "$PEER_DOCKERD_PID" 2>/dev/null
    PEER_DOCKERD_PID=
}

dk() {
    /usr/bin/docker "$@"
}

peer_podman_env() {
    command -v podman >/dev/null || { echo "podman: not installed (scripts/install-deps.sh)"; return 1; }
    local p=$work/podman
    mkdir -p "$p/storage" "$p/run" "$p/tmp" "$p/net" "$p/volumes"
    cat >"$p/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$p/storage"
runroot = "$p/run"
CONF
    cat >"$p/containers.conf" <<CONF
[engine]
tmp_dir = "$p/tmp"
volume_path = "$p/volumes"
events_logger = "none"
cgroup_manager = "cgroupfs"
[network]
network_config_dir = "$p/net"
[containers]
# podman's defaults (nofile, nproc) are above this host's hard limits: runc refuses them
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
CONF
    export CONTAINERS_STORAGE_CONF=$p/storage.conf CONTAINERS_CONF=$p/containers.conf
    podman info >/dev/null 2>"$p/info.err" || { echo "podman: $(tail -1 "$p/info.err")"; return 1; }
}

peer_import() { # peer_import docker|podman TAR NAME
    local engine=$1
    [ "$engine" = docker ] && engine=/usr/bin/docker
    "$engine" import --change 'CMD ["sh"]' "$2" "$3" >/dev/null 2>"$work/import.err" ||
        { echo "$1: import of $2 failed: $(tail -1 "$work/import.err")"; return 1; }
}

# median of a timeit line ("... median N ms ...")
median_of() {
    echo "$1" | sed 's/.*median *\([0-9.]*\).*/\1/'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx\n", a / b }'; }
