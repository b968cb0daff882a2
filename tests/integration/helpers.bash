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

# Every leak found is printed; any leak fails the test.
hoist_leaks() {
    local leaks=0 p m
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$TESTDIR"; then
            echo "leak: process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")" >&2
            leaks=1
        fi
    done
    while read -r _ m _; do
        case "$m" in "$TESTDIR"*) echo "leak: mount $m" >&2; leaks=1 ;; esac
    done </proc/mounts
    for m in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
        [ -d "$m" ] || continue
        if [ -n "$(find "$m" -mindepth 1 -type d 2>/dev/null)" ]; then
            echo "leak: cgroup $(find "$m" -mindepth 1 -type d | head -3)" >&2
            leaks=1
        fi
    done
    return $leaks
}

hoist_teardown() {
    local status=0
    hoist_leaks || status=1
    # Clean what a failed test left, so one failure does not cascade.
    if [ $status -ne 0 ]; then
        hoist container rm -f $(hoist container ps -aq 2>/dev/null) >/dev/null 2>&1 || true
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
