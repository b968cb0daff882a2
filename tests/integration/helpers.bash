# Shared setup for integration tests. Each test gets its own --root, --runroot and
# cgroup parent; teardown fails the test if anything of it is left behind.

: "${HOIST_BIN:?HOIST_BIN must point at the hoist binary}"
: "${HOIST_BUILD_DIR:?HOIST_BUILD_DIR must point at the build directory}"

FIXTURES=$HOIST_BUILD_DIR/fixtures
BUSYBOX_TAR=$FIXTURES/busybox.tar
BUSYBOX_ROOTFS=$FIXTURES/rootfs

# Build the busybox fixture once per build tree, safely under parallel test files.
ensure_fixtures() {
    mkdir -p "$FIXTURES"
    (
        flock 9
        [ -f "$BUSYBOX_TAR" ] || "$BATS_TEST_DIRNAME/../fixtures/mkrootfs.sh" "$FIXTURES"
    ) 9>"$FIXTURES/.lock"
}

# wait_until CMD...: run CMD until it succeeds; fail, naming it, once
# $HOIST_TEST_DEADLINE seconds (default 120) have passed. Tests wait for events this way,
# never for a fixed time: a deadline only decides how long a broken run takes to fail.
wait_until() {
    local deadline=$((SECONDS + ${HOIST_TEST_DEADLINE:-120}))
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "wait_until: still false after ${HOIST_TEST_DEADLINE:-120}s: $*" >&2
            return 1
        fi
        sleep 0.05
    done
}

hoist() {
    "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" --cgroup-parent "$CGPARENT" "$@"
}

# Import the busybox fixture as busybox:latest (or the name given).
import_busybox() {
    hoist image import "$BUSYBOX_TAR" "${1:-busybox:latest}" >/dev/null
}

hoist_setup() {
    ensure_fixtures
    TESTDIR=$(mktemp -d /tmp/hoist-test.XXXXXX)
    ROOT=$TESTDIR/root
    RUNROOT=$TESTDIR/run
    CGPARENT=hoist-test-${TESTDIR##*.}
    mkdir -p "$ROOT" "$RUNROOT"
    export TESTDIR ROOT RUNROOT CGPARENT
}

# Compose tests: the busybox fixture imported and the project directory, $TESTDIR/p,
# the working directory.
compose_setup() {
    hoist_setup
    import_busybox
    mkdir -p "$TESTDIR/p"
    cd "$TESTDIR/p"
}

# Whatever of the project a test left up is taken down before the leak check.
compose_teardown() {
    cd "$TESTDIR/p" 2>/dev/null && hoist down -t 0 -v --remove-orphans >/dev/null 2>&1
    hoist_teardown
}

# Every leak found is printed; any leak fails the test.
hoist_leaks() {
    local leaks=0 p m
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF "$TESTDIR"; then
            echo "leak: process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")" >&2
            leaks=1
        fi
    done
    while read -r _ m _; do
        case "$m" in "$TESTDIR"*) echo "leak: mount $m" >&2; leaks=1 ;; esac
    done </proc/mounts
    # The runner gives each file its own network namespace and a file's tests run one
    # after another: any hoist bridge, veth or nftables table left is this test's.
    # The kernel deletes a stopped container's veth pair with its namespace, in the
    # background: give that a moment before calling a veth left behind a leak.
    wait_until no_veths 2>/dev/null
    for m in $(hoist_links); do
        echo "leak: link $m" >&2
        leaks=1
    done
    if ! command -v nft >/dev/null; then
        echo "leak check: nft is not installed, tables cannot be checked (scripts/install-deps.sh)" >&2
        leaks=1
    fi
    for m in $(hoist_nft_tables); do
        echo "leak: nftables table $m" >&2
        leaks=1
    done
    for m in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
        [ -d "$m" ] || continue
        if [ -n "$(find "$m" -mindepth 1 -type d 2>/dev/null)" ]; then
            echo "leak: cgroup $(find "$m" -mindepth 1 -type d | head -3)" >&2
            leaks=1
        fi
    done
    return $leaks
}

no_veths() {
    [ -z "$(hoist_links | grep '^vh')" ]
}

# Bridges and veth host ends hoist makes ("hoist-*", "vh*").
hoist_links() {
    ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
        grep -E '^(hoist-|vh)' || true
}

hoist_nft_tables() {
    command -v nft >/dev/null || return 0
    nft list tables 2>/dev/null | awk '$3 ~ /^hoist-/ { print $2 " " $3 }' | tr ' ' ':' || true
}

# `container run` makes the default network in the test's root: remove it once no
# container holds it (a container left behind keeps it, and is reported).
hoist_remove_default_network() {
    [ -f "$ROOT/networks/bridge.json" ] || return 0
    hoist network rm bridge >/dev/null 2>&1 || true
}

# A private dockerd for `docker load`/`docker save` interop: its own data root and
# socket under $TESTDIR, no bridge and no iptables, in the test's network namespace and
# in a mount namespace of its own whose /run and /etc/docker are scratch tmpfs, so
# nothing of it is left on the host. dk runs Debian's docker CLI against it.
dockerd_start() {
    command -v dockerd >/dev/null && [ -x /usr/bin/docker ] ||
        { echo "dockerd is required (scripts/install-deps.sh)"; return 1; }
    DOCKER_SOCK=$TESTDIR/docker.sock
    unshare --mount --propagation private sh -c \
        'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /etc/docker && exec "$@"' sh \
        dockerd --data-root "$TESTDIR/docker" --exec-root "$TESTDIR/docker-run" \
        --pidfile "$TESTDIR/docker-run/dockerd.pid" -H "unix://$DOCKER_SOCK" --bridge=none \
        --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --storage-driver overlay2 >"$TESTDIR/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    wait_until dk version >/dev/null 2>&1 && return 0
    cat "$TESTDIR/dockerd.log"
    return 1
}

dk() {
    /usr/bin/docker -H "unix://$DOCKER_SOCK" "$@"
}

dockerd_stop() {
    [ -n "${DOCKERD_PID:-}" ] || return 0
    kill "$DOCKERD_PID" 2>/dev/null
    wait "$DOCKERD_PID" 2>/dev/null || true
    DOCKERD_PID=
}

hoist_teardown() {
    local status=0 m
    dockerd_stop
    hoist_remove_default_network
    hoist_leaks || status=1
    # Clean what a failed test left, so one failure does not cascade.
    if [ $status -ne 0 ]; then
        hoist container rm -f $(hoist container ps -aq 2>/dev/null) >/dev/null 2>&1 || true
        for m in "$ROOT"/networks/*.json; do
            [ -f "$m" ] && hoist network rm "$(basename "$m" .json)" >/dev/null 2>&1
        done
        for m in $(hoist_links); do ip link del "$m" 2>/dev/null; done
        for m in $(hoist_nft_tables); do nft delete table ${m%%:*} ${m#*:} 2>/dev/null; done
        grep -F "$TESTDIR" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    fi
    for m in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
        [ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf "$TESTDIR"
    return $status
}

setup() {
    hoist_setup
}

teardown() {
    hoist_teardown
}
