#!/usr/bin/env bats
# Attacks from inside a container (docs/security.md): the container's root is hostile.
# Each test performs an attack with tests/attack/attack.c (built static, bind-mounted
# at /att) or busybox, and asserts the host is untouched. The engine runs from a copy
# of the build's binaries in $TESTDIR/bin, so a successful write to the hoist binary
# cannot damage the build. Race attacks loop with a bound (iterations and a deadline);
# the verdicts are deterministic: a host file changed, a host path became visible.

load helpers
bats_require_minimum_version 1.5.0

BUILD_BIN=$HOIST_BIN

setup() {
    hoist_setup
    mkdir -p "$TESTDIR/bin" "$TESTDIR/att" "$TESTDIR/share" "$TESTDIR/hostdir"
    local b
    for b in hoist hoist-monitor hoist-image hoist-dns; do
        cp "$(dirname "$BUILD_BIN")/$b" "$TESTDIR/bin/$b"
    done
    HOIST_BIN=$TESTDIR/bin/hoist
    export HOIST_BIN
    (cd "$TESTDIR/bin" && sha256sum hoist hoist-monitor hoist-image hoist-dns) >"$TESTDIR/bin.sha256"
    cc -static -O2 -o "$TESTDIR/att/attack" "$BATS_TEST_DIRNAME/../attack/attack.c"
    # A file only the host has: seeing it from a container is an escape.
    MARKER=$TESTDIR/hostdir/hostmarker
    echo host-only >"$MARKER"
    SAVED_SYSCTLS=()
    import_busybox
}

teardown() {
    restore_sysctls
    if [ -f "$TESTDIR/p/compose.yaml" ]; then
        (cd "$TESTDIR/p" && hoist down -t 0 -v >/dev/null 2>&1) || true
    fi
    hoist_teardown
}

# ---- helpers -------------------------------------------------------------------------

# The engine binaries are byte-identical to what the test started with.
binaries_intact() {
    (cd "$TESTDIR/bin" && sha256sum -c --quiet "$TESTDIR/bin.sha256")
}

# Remember a host sysctl so teardown puts it back if an attack changed it.
save_sysctl() {
    local f=/proc/sys/${1//.//}
    SAVED_SYSCTLS+=("$f=$(cat "$f")")
}

restore_sysctls() {
    local s f v
    for s in "${SAVED_SYSCTLS[@]}"; do
        f=${s%%=*}
        v=${s#*=}
        [ "$(cat "$f")" = "$v" ] || printf '%s\n' "$v" >"$f"
    done
}

sysctl_unchanged() {
    local s f v
    for s in "${SAVED_SYSCTLS[@]}"; do
        f=${s%%=*}
        v=${s#*=}
        if [ "$(cat "$f")" != "$v" ]; then
            echo "host $f changed: '$v' -> '$(cat "$f")'" >&2
            return 1
        fi
    done
}

# Mount points of the host (this test's mount namespace), sorted.
host_mounts() {
    awk '{ print $2 }' /proc/mounts | sort
}

# No new host mount where the attacks aim: $TESTDIR outside the engine's own root and
# runroot (hostdir, bind sources), /hoist-sec-*, /tmp/hoist-fakeproc-*. (Other programs
# of this machine mount elsewhere meanwhile, so the rest of the table is not compared.)
no_new_host_mounts() {
    local extra
    extra=$(host_mounts | comm -13 "$TESTDIR/mounts.before" - |
        grep -E "^($TESTDIR|/hoist-sec-|/tmp/hoist-fakeproc-)" | grep -vE "^($ROOT|$RUNROOT)/" || true)
    if [ -n "$extra" ]; then
        echo "new host mounts: $extra" >&2
        return 1
    fi
}

dir_listing() {
    find "$1" -mindepth 1 -printf '%p %y\n' 2>/dev/null | sort
}

fail_on_escape() {
    if grep -q ESCAPE "$1"; then
        echo "--- $1" >&2
        cat "$1" >&2
        return 1
    fi
}

wait_exited() {
    local i
    for i in $(seq 200); do
        [ "$(hoist container inspect -f '{{.State.Running}}' "$1")" = false ] && return 0
        sleep 0.05
    done
    return 1
}

# ---- 1. CVE-2019-5736: the engine binary through /proc/PID/exe -----------------------

# A long-running attacker watches for processes entering its pid namespace.
start_exe_watcher() {
    local name=$1
    shift
    hoist container run -d --name "$name" --network none "$@" \
        -v "$TESTDIR/att:/att:ro" -v "$TESTDIR/share:/share" busybox \
        /att/attack exe-watch /share/log /share/stop "$MARKER" 60 >/dev/null
    for _ in $(seq 100); do
        grep -q START "$TESTDIR/share/log" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# exec_while_watched NAME SECONDS TIMES: container exec into the watcher NAME, at most
# TIMES times within SECONDS, until it logs an escape.
exec_while_watched() {
    local end=$((SECONDS + $2)) i
    for i in $(seq "$3"); do
        [ $SECONDS -lt $end ] || return 0
        hoist container exec "$1" true
        if grep -q ESCAPE "$TESTDIR/share/log"; then
            return 0
        fi
    done
}

stop_exe_watcher() {
    touch "$TESTDIR/share/stop"
    wait_exited "$1" || true
    cat "$TESTDIR/share/log"
    hoist container rm -f "$1" >/dev/null
}

@test "security: CVE-2019-5736 the hoist binary is not writable through /proc/PID/exe of container exec" {
    cd "$TESTDIR/hostdir"
    start_exe_watcher w1
    exec_while_watched w1 20 80
    stop_exe_watcher w1
    binaries_intact
    fail_on_escape "$TESTDIR/share/log"
}

@test "security: CVE-2019-5736 the hoist binary is not writable through /proc/PID/exe of health probes" {
    cd "$TESTDIR/hostdir"
    start_exe_watcher w2 --health-cmd true --health-interval 100ms --health-timeout 5s
    local end=$((SECONDS + 10))
    while [ $SECONDS -lt $end ]; do
        grep -q ESCAPE "$TESTDIR/share/log" && break
        sleep 0.5
    done
    stop_exe_watcher w2
    binaries_intact
    fail_on_escape "$TESTDIR/share/log"
}

@test "security: CVE-2019-5736 with SYS_PTRACE, container exec exposes neither the hoist binary nor the host root" {
    cd "$TESTDIR/hostdir"
    start_exe_watcher w3 --cap-add SYS_PTRACE
    exec_while_watched w3 15 40
    stop_exe_watcher w3
    binaries_intact
    fail_on_escape "$TESTDIR/share/log"
}

# ---- 2. CVE-2016-9962 / CVE-2024-21626: leaked fds and a host working directory ------

@test "security: CVE-2016-9962 the init and exec'd processes hold no fd of the host" {
    run hoist container run --rm --network none -v "$TESTDIR/att:/att:ro" busybox /att/attack fds
    echo "run: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *FDS-OK* ]]
    hoist container run -d --name f1 --network none -v "$TESTDIR/att:/att:ro" busybox sleep 60 >/dev/null
    run hoist container exec f1 /att/attack fds
    echo "exec: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *FDS-OK* ]]
    run hoist container exec -u 1000 -w /tmp f1 /att/attack fds
    echo "exec -u: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *FDS-OK* ]]
    hoist container rm -f f1 >/dev/null
}

@test "security: CVE-2016-9962 hoist runtime run and exec leave no fd of the host" {
    local b=$TESTDIR/bundle
    mkdir -p "$b"
    cp -a "$BUSYBOX_ROOTFS" "$b/rootfs"
    cp "$TESTDIR/att/attack" "$b/rootfs/attack"
    (cd "$b" && "$HOIST_BIN" runtime spec)
    jq ".process.terminal=false | .linux.cgroupsPath=\"/$CGPARENT/r1\" | .process.args=[\"/attack\",\"fds\"]" \
        "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    run "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --bundle "$b" r1
    echo "runtime run: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *FDS-OK* ]]
    jq '.process.args=["sleep","60"]' "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --detach --bundle "$b" r1 >/dev/null 2>&1
    run "$HOIST_BIN" runtime --root "$RUNROOT/rt" exec r1 /attack fds
    echo "runtime exec: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *FDS-OK* ]]
    "$HOIST_BIN" runtime --root "$RUNROOT/rt" delete --force r1
}

# The process ran with its cwd inside the root, or hoist refused the cwd.
cwd_verdict() {
    echo "$1 -> $status: $output"
    [[ "$output" != *ESCAPE* ]] || return 1
    [ "$status" -ne 0 ] || [[ "$output" == *CWD-OK* ]] || return 1
    # A refusal is an error of hoist's, not the attacker running and failing.
    [ "$status" -eq 0 ] || [[ "$output" != *getcwd:* ]] || return 1
}

@test "security: CVE-2024-21626 container run -w /proc/self/fd/N stays in the container" {
    local n
    for n in $(seq 3 20); do
        run hoist container run --rm --network none -v "$TESTDIR/att:/att:ro" \
            -w "/proc/self/fd/$n" busybox /att/attack cwd "$MARKER"
        cwd_verdict "run -w /proc/self/fd/$n"
    done
    [ -z "$(hoist container ps -aq)" ]
}

@test "security: CVE-2024-21626 container exec -w /proc/self/fd/N stays in the container" {
    hoist container run -d --name c1 --network none -v "$TESTDIR/att:/att:ro" busybox sleep 60 >/dev/null
    local n
    for n in $(seq 3 20); do
        run hoist container exec -w "/proc/self/fd/$n" c1 /att/attack cwd "$MARKER"
        cwd_verdict "exec -w /proc/self/fd/$n"
    done
    hoist container rm -f c1 >/dev/null
}

@test "security: CVE-2024-21626 an image WORKDIR /proc/self/fd/N stays in the container" {
    local n
    for n in 3 4 5 6 7 8; do
        hoist image import --change "WORKDIR /proc/self/fd/$n" "$BUSYBOX_TAR" "fdwd:$n" >/dev/null
        run hoist container run --rm --network none -v "$TESTDIR/att:/att:ro" "fdwd:$n" \
            /att/attack cwd "$MARKER"
        cwd_verdict "WORKDIR /proc/self/fd/$n"
    done
    [ -z "$(hoist container ps -aq)" ]
}

@test "security: CVE-2024-21626 hoist runtime run with process.cwd /proc/self/fd/N stays in the container" {
    local b=$TESTDIR/bundle n
    mkdir -p "$b"
    cp -a "$BUSYBOX_ROOTFS" "$b/rootfs"
    cp "$TESTDIR/att/attack" "$b/rootfs/attack"
    (cd "$b" && "$HOIST_BIN" runtime spec)
    for n in $(seq 3 20); do
        jq ".process.terminal=false | .linux.cgroupsPath=\"/$CGPARENT/r$n\" | .process.cwd=\"/proc/self/fd/$n\" |
            .process.args=[\"/attack\",\"cwd\",\"$MARKER\"]" "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
        run "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --bundle "$b" "r$n"
        cwd_verdict "runtime run cwd /proc/self/fd/$n"
        jq ".process.args=[\"sleep\",\"60\"] | .process.cwd=\"/\"" "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    done
    jq ".linux.cgroupsPath=\"/$CGPARENT/rx\"" "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --detach --bundle "$b" rx >/dev/null 2>&1
    for n in $(seq 3 20); do
        run "$HOIST_BIN" runtime --root "$RUNROOT/rt" exec --cwd "/proc/self/fd/$n" rx /attack cwd "$MARKER"
        cwd_verdict "runtime exec --cwd /proc/self/fd/$n"
    done
    "$HOIST_BIN" runtime --root "$RUNROOT/rt" delete --force rx
}

# A racer container: runs `attack swap` in the directory DIR of its mounts after SETUP
# (a shell snippet), until $TESTDIR/share/stop exists or 60 s pass.
start_racer() {
    local name=$1 setup=$2 dir=$3
    shift 3
    hoist container run -d --name "$name" --network none "${RACER_MOUNTS[@]}" \
        -v "$TESTDIR/att:/att:ro" -v "$TESTDIR/share:/share" busybox \
        sh -c "$setup && touch /share/ready && exec /att/attack swap /share/stop 60 $dir $*" >/dev/null
    for _ in $(seq 100); do
        [ -e "$TESTDIR/share/ready" ] && return 0
        sleep 0.05
    done
    hoist container logs "$name" >&2
    return 1
}

stop_racer() {
    touch "$TESTDIR/share/stop"
    wait_exited "$1" || true
    hoist container logs "$1"
    hoist container rm -f "$1" >/dev/null
    rm -f "$TESTDIR/share/stop" "$TESTDIR/share/ready"
}

# The init checks its cwd inside the root, then chdir()s by path: a racer swaps the cwd
# for a symlink to /proc/self/fd/N. N=5 is the runtime's state directory in an init the
# monitor starts today (3 under `hoist runtime run`): weighted, the others tried too.
@test "security: CVE-2024-21626 a cwd in a shared volume swapped for /proc/self/fd/N stays in the container" {
    RACER_MOUNTS=(-v vwd:/v)
    start_racer r1 'mkdir -p /v/wd && for n in 3 4 5 6 7 8; do ln -sfn /proc/self/fd/$n /v/l$n; done' \
        /v wd l5 l3 l5 l4 l5 l6 l5 l7 l5 l8
    local end=$((SECONDS + 40)) i runs=0 refused=0
    for i in $(seq 100); do
        [ $SECONDS -lt $end ] || break
        run hoist container run --rm --network none -v vwd:/v -v "$TESTDIR/att:/att:ro" \
            -w /v/wd busybox /att/attack cwd "$MARKER"
        runs=$((runs + 1))
        [ "$status" -eq 0 ] || refused=$((refused + 1))
        cwd_verdict "run $i" || { echo "runs=$runs refused=$refused"; stop_racer r1; false; }
    done
    echo "runs=$runs refused=$refused"
    stop_racer r1
    [ -z "$(hoist container ps -aq)" ]
    hoist volume rm vwd >/dev/null
}

# ---- 3. volume subpath and bind source races (CVE-2021-30465 class) ------------------

# Victim containers with MOUNTS at /v, started again and again (bounded): any host
# file seen in /v is an escape. A start refused with an error is a correct defence.
victim_sees_no_host() {
    local end=$((SECONDS + 20)) i runs=0 refused=0
    for i in $(seq 40); do
        [ $SECONDS -lt $end ] || break
        run hoist container run --rm --network none "$@" busybox sh -c \
            "for f in /v/hostmarker /v$MARKER; do [ -e \"\$f\" ] && echo \"ESCAPE host file \$f\"; done; echo VICTIM-RAN"
        runs=$((runs + 1))
        [ "$status" -eq 0 ] || refused=$((refused + 1))
        if [[ "$output" == *ESCAPE* ]]; then
            echo "run $i: $output"
            return 1
        fi
    done
    echo "runs=$runs refused=$refused"
}

@test "security: volume subpath race: a subpath swapped for a symlink never mounts a host path" {
    RACER_MOUNTS=(-v vsub:/v)
    start_racer r1 "mkdir -p /v/sub && ln -sfn / /v/l1 && ln -sfn $TESTDIR/hostdir /v/l2" /v sub l1 l2
    host_mounts >"$TESTDIR/mounts.before"
    run victim_sees_no_host --mount type=volume,source=vsub,target=/v,volume-subpath=sub
    echo "$output"
    stop_racer r1
    [ "$status" -eq 0 ]
    no_new_host_mounts
    [ -z "$(hoist container ps -aq)" ]
    hoist volume rm vsub >/dev/null
}

@test "security: volume subpath race: a writable bind source's component swapped for a symlink never mounts a host path" {
    mkdir -p "$TESTDIR/bindsrc/sub"
    RACER_MOUNTS=(-v "$TESTDIR/bindsrc:/b")
    start_racer r1 "ln -sfn / /b/l1 && ln -sfn $TESTDIR/hostdir /b/l2" /b sub l1 l2
    host_mounts >"$TESTDIR/mounts.before"
    run victim_sees_no_host -v "$TESTDIR/bindsrc/sub:/v"
    echo "-v: $output"
    local short=$status
    run victim_sees_no_host --mount "type=bind,source=$TESTDIR/bindsrc/sub,target=/v"
    echo "--mount: $output"
    stop_racer r1
    [ "$short" -eq 0 ]
    [ "$status" -eq 0 ]
    no_new_host_mounts
}

@test "security: CVE-2021-30465 a mount destination swapped for a symlink mounts nothing on the host" {
    local uniq=hoist-sec-${TESTDIR##*.}
    RACER_MOUNTS=(-v vdst:/v)
    start_racer r1 "mkdir -p /v/b && ln -sfn / /v/l1 && ln -sfn $TESTDIR/hostdir /v/l2" /v b l1 l2
    host_mounts >"$TESTDIR/mounts.before"
    dir_listing "$TESTDIR/hostdir" >"$TESTDIR/hostdir.before"
    local end=$((SECONDS + 20)) i
    for i in $(seq 40); do
        [ $SECONDS -lt $end ] || break
        run hoist container run --rm --network none -v vdst:/a -v "vdst2:/a/b/$uniq" busybox true
        no_new_host_mounts
        [ ! -e "/$uniq" ]
    done
    stop_racer r1
    no_new_host_mounts
    [ ! -e "/$uniq" ]
    dir_listing "$TESTDIR/hostdir" | diff "$TESTDIR/hostdir.before" -
    [ -z "$(hoist container ps -aq)" ]
    hoist volume rm vdst vdst2 >/dev/null
}

# ---- 7. CVE-2024-45310: a destination's parents created through a racing symlink -----

@test "security: CVE-2024-45310 racing a mount destination's parent creates nothing on the host" {
    local uniq=hoist-sec-${TESTDIR##*.}
    RACER_MOUNTS=(-v vx:/v)
    start_racer r1 "mkdir -p /v/sub && ln -sfn $TESTDIR/hostdir /v/l1 && ln -sfn / /v/l2" /v sub l1 l2
    dir_listing "$TESTDIR/hostdir" >"$TESTDIR/hostdir.before"
    host_mounts >"$TESTDIR/mounts.before"
    local end=$((SECONDS + 20)) i
    for i in $(seq 40); do
        [ $SECONDS -lt $end ] || break
        run hoist container run --rm --network none -v vx:/x -v "vx2:/x/sub/$uniq/dir" busybox true
        [ ! -e "/$uniq" ]
    done
    stop_racer r1
    dir_listing "$TESTDIR/hostdir" | diff "$TESTDIR/hostdir.before" -
    [ ! -e "/$uniq" ]
    no_new_host_mounts
    [ -z "$(hoist container ps -aq)" ]
    hoist volume rm vx vx2 >/dev/null
}

# ---- 4. host sysctls ----------------------------------------------------------------

# A refused run: exit 125, MSG, no container and the name still free.
refused_sysctl() {
    local msg=$1
    shift
    run hoist container run --rm --name sx "$@" busybox cat /proc/sys/vm/swappiness
    echo "$* -> $status: $output"
    restore_sysctls_now
    [ "$status" -eq 125 ]
    [[ "$output" == *"$msg"* ]]
    [ -z "$(hoist container ps -aq)" ]
    hoist container create --name sx --network none busybox true >/dev/null
    hoist container rm sx >/dev/null
}

# Check, then put back at once (a changed host value must not stay a moment longer):
# fails when a host value had changed.
restore_sysctls_now() {
    local r=0
    sysctl_unchanged || r=1
    restore_sysctls
    return $r
}

@test "security: host sysctls: --sysctl of a host-wide sysctl is refused as docker does and changes nothing" {
    save_sysctl vm.swappiness
    save_sysctl kernel.core_pattern
    local v=61
    [ "$(cat /proc/sys/vm/swappiness)" != 61 ] || v=62
    refused_sysctl "invalid argument \"vm.swappiness=$v\" for \"--sysctl\" flag: sysctl 'vm.swappiness=$v' is not allowed" \
        --network none --sysctl "vm.swappiness=$v"
    sysctl_unchanged
    # Never a program of this machine's: a path in $TESTDIR that does not exist.
    refused_sysctl "invalid argument \"kernel.core_pattern=|$TESTDIR/x\" for \"--sysctl\" flag: sysctl 'kernel.core_pattern=|$TESTDIR/x' is not allowed" \
        --network none --sysctl "kernel.core_pattern=|$TESTDIR/x"
    sysctl_unchanged
}

@test "security: host sysctls: namespaced sysctls are refused in a host namespace" {
    save_sysctl net.ipv4.ip_forward
    save_sysctl kernel.shm_rmid_forced
    local f=1
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ] || f=0
    refused_sysctl "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace" \
        --network host --sysctl "net.ipv4.ip_forward=$f"
    sysctl_unchanged
    local r=1
    [ "$(cat /proc/sys/kernel/shm_rmid_forced)" != 1 ] || r=0
    refused_sysctl "sysctl \"kernel.shm_rmid_forced\" is not allowed in the hosts ipc namespace" \
        --network none --ipc host --sysctl "kernel.shm_rmid_forced=$r"
    sysctl_unchanged
}

@test "security: host sysctls: allowed sysctls apply inside the container only" {
    save_sysctl net.ipv4.ip_unprivileged_port_start
    save_sysctl kernel.shmmax
    save_sysctl fs.mqueue.msg_max
    save_sysctl kernel.domainname
    run hoist container run --rm --network none --sysctl net.ipv4.ip_unprivileged_port_start=0 \
        --sysctl kernel.shmmax=123456789 --sysctl fs.mqueue.msg_max=42 \
        --sysctl kernel.domainname=attack.example busybox sh -c \
        'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/domainname'
    echo "$output"
    restore_sysctls_now
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 123456789 ]
    [ "${lines[2]}" = 42 ]
    [ "${lines[3]}" = attack.example ]
    sysctl_unchanged
}

@test "security: host sysctls: compose sysctls of the host are refused, naming the service" {
    save_sysctl vm.swappiness
    save_sysctl net.ipv4.ip_forward
    local v=61 f=1
    [ "$(cat /proc/sys/vm/swappiness)" != 61 ] || v=62
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ] || f=0
    mkdir -p "$TESTDIR/p"
    cd "$TESTDIR/p"
    cat >compose.yaml <<YAML
services:
  swapper:
    image: busybox
    command: ["sleep", "30"]
    network_mode: none
    sysctls:
      vm.swappiness: "$v"
YAML
    run hoist up -d
    echo "$output"
    restore_sysctls_now
    [ "$status" -ne 0 ]
    [[ "$output" == *swapper* ]]
    [[ "$output" == *"sysctl"*"vm.swappiness"*"not allowed"* ]]
    [ -z "$(hoist container ps -aq)" ]
    cat >compose.yaml <<YAML
services:
  forwarder:
    image: busybox
    command: ["sleep", "30"]
    network_mode: host
    sysctls:
      - net.ipv4.ip_forward=$f
YAML
    run hoist up -d
    echo "$output"
    restore_sysctls_now
    [ "$status" -ne 0 ]
    [[ "$output" == *forwarder* ]]
    [[ "$output" == *"sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"* ]]
    [ -z "$(hoist container ps -aq)" ]
    hoist down -v >/dev/null 2>&1 || true
    sysctl_unchanged
}

# refused_bundle_sysctl BUNDLE FILTER MSG: hoist runtime refuses to run the bundle's
# good.json changed by the jq FILTER, saying MSG.
refused_bundle_sysctl() {
    jq "$2" "$1/good.json" >"$1/config.json"
    run "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --bundle "$1" r1
    echo "$output"
    restore_sysctls_now
    [ "$status" -ne 0 ]
    [[ "$output" == *"$3"* ]]
}

@test "security: host sysctls: hoist runtime refuses a bundle's host sysctls as runc does" {
    save_sysctl vm.swappiness
    save_sysctl kernel.shm_rmid_forced
    save_sysctl net.ipv4.ip_forward
    local b=$TESTDIR/bundle v=61 r=1 f=1
    [ "$(cat /proc/sys/vm/swappiness)" != 61 ] || v=62
    [ "$(cat /proc/sys/kernel/shm_rmid_forced)" != 1 ] || r=0
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ] || f=0
    mkdir -p "$b"
    cp -a "$BUSYBOX_ROOTFS" "$b/rootfs"
    (cd "$b" && "$HOIST_BIN" runtime spec)
    jq ".process.terminal=false | .linux.cgroupsPath=\"/$CGPARENT/r1\" | .process.args=[\"true\"]" \
        "$b/config.json" >"$b/good.json"
    refused_bundle_sysctl "$b" ".linux.sysctl={\"vm.swappiness\":\"$v\"}" \
        'sysctl "vm.swappiness" is not in a separate kernel namespace'
    refused_bundle_sysctl "$b" ".linux.sysctl={\"kernel.shm_rmid_forced\":\"$r\"} | .linux.namespaces |= map(select(.type != \"ipc\"))" \
        'sysctl "kernel.shm_rmid_forced" is not allowed in the hosts ipc namespace'
    refused_bundle_sysctl "$b" ".linux.sysctl={\"net.ipv4.ip_forward\":\"$f\"} | .linux.namespaces |= map(select(.type != \"network\"))" \
        'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'
    run "$HOIST_BIN" runtime --root "$RUNROOT/rt" list -q
    [ "$output" = "" ]
    sysctl_unchanged
}

# ---- 5. CVE-2022-29162: inheritable capabilities ------------------------------------

@test "security: CVE-2022-29162 the init and exec'd processes have an empty inheritable set" {
    run hoist container run --rm --network none busybox grep CapInh /proc/self/status
    [ "$output" = "CapInh:	0000000000000000" ]
    run hoist container run --rm --network none -u 1000 --cap-add NET_ADMIN busybox grep CapInh /proc/self/status
    [ "$output" = "CapInh:	0000000000000000" ]
    hoist container run -d --name c1 --network none busybox sleep 60 >/dev/null
    run hoist container exec c1 grep CapInh /proc/self/status
    [ "$output" = "CapInh:	0000000000000000" ]
    run hoist container exec -u 1000 c1 grep CapInh /proc/self/status
    [ "$output" = "CapInh:	0000000000000000" ]
    hoist container rm -f c1 >/dev/null
    local b=$TESTDIR/bundle
    mkdir -p "$b"
    cp -a "$BUSYBOX_ROOTFS" "$b/rootfs"
    (cd "$b" && "$HOIST_BIN" runtime spec)
    jq ".process.terminal=false | .linux.cgroupsPath=\"/$CGPARENT/r1\" | .process.args=[\"grep\",\"CapInh\",\"/proc/self/status\"]" \
        "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    run "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --bundle "$b" r1
    [ "$output" = "CapInh:	0000000000000000" ]
}

# CapPrm and CapEff of a non-root user who executed a file-capability binary.
@test "security: CVE-2022-29162 a file-capability binary gains a non-root user nothing beyond the bounding set" {
    hoist container run -d --name c1 --network none -v "$TESTDIR/att:/att:ro" busybox sleep 60 >/dev/null
    hoist container exec c1 sh -c 'cp /att/attack /tmp/inh && /att/attack setfcap /tmp/inh &&
        cp /att/attack /tmp/prm && /att/attack setfcap /tmp/prm permitted && chmod 755 /tmp/inh /tmp/prm'
    # Only inheritable file caps: nothing without an inheritable set of the process.
    run hoist container exec c1 /att/attack asuser 1000 /tmp/inh caps
    echo "$output"
    [[ "$output" == *"CapPrm:	0000000000000000"* ]]
    [[ "$output" == *"CapEff:	0000000000000000"* ]]
    run hoist container exec -u 1000 c1 /tmp/inh caps
    echo "$output"
    [[ "$output" == *"CapPrm:	0000000000000000"* ]]
    [[ "$output" == *"CapEff:	0000000000000000"* ]]
    # Every file cap permitted: never more than the bounding set.
    # The kernel refuses the exec (EPERM) of a capability-dumb binary whose file caps
    # exceed what the process may get; if it runs, it has no more than the bounding set.
    local who prm bnd
    for who in "-u 1000" ""; do
        run hoist container exec $who c1 /tmp/prm caps
        echo "exec $who /tmp/prm: $status: $output"
        if [ "$status" -ne 0 ]; then
            [[ "$output" == *'exec: "/tmp/prm": Operation not permitted'* ]]
            continue
        fi
        prm=$(awk '/^CapPrm:/ { print $2 }' <<<"$output")
        bnd=$(awk '/^CapBnd:/ { print $2 }' <<<"$output")
        [ -n "$prm" ] && [ -n "$bnd" ]
        [ $((0x$prm & ~0x$bnd)) -eq 0 ]
        [ "$bnd" = 00000000a80425fb ]
    done
    hoist container rm -f c1 >/dev/null
}

# ---- 6. CVE-2019-16884 / CVE-2023-27561: a fake /proc in the image ------------------

# Import the busybox rootfs changed by the shell snippet $2 as image $1.
import_changed() {
    local d=$TESTDIR/img-$1
    rm -rf "$d"
    cp -a "$BUSYBOX_ROOTFS" "$d"
    (cd "$d" && sh -c "$2")
    tar --numeric-owner -C "$d" -cf "$d.tar" .
    hoist image import "$d.tar" "$1" >/dev/null
    rm -rf "$d" "$d.tar"
}

# Ran with the real procfs on the real /proc, or was refused.
real_proc_or_refused() {
    echo "$1 -> $status: $output"
    [[ "$output" != *ESCAPE* ]] || return 1
    [ "$status" -ne 0 ] && [[ "$output" != *PROC-CHECKED* ]] && return 0
    [ "$status" -eq 0 ] || return 1
    [[ "$output" == *"fstype proc"* ]] || return 1
    [[ "$output" == *"status Name:"* ]] || return 1
}

PROC_CHECK='[ -L /proc ] && echo "ESCAPE /proc is a symlink to $(readlink /proc)";
    echo "fstype $(stat -f -c %T /proc/)"; echo "status $(head -c 5 /proc/self/status)";
    grep -q FAKE /proc/self/status && echo "ESCAPE planted /proc/self/status";
    grep " /tmp/" /proc/mounts | grep -q proc && echo "ESCAPE procfs under /tmp";
    echo PROC-CHECKED'

@test "security: CVE-2019-16884 an image whose /proc is a symlink gets procfs on the real /proc" {
    local uniq=/tmp/hoist-fakeproc-${TESTDIR##*.}
    host_mounts >"$TESTDIR/mounts.before"
    import_changed procin 'rm -rf proc && mkdir -p tmp/fakeproc && ln -s /tmp/fakeproc proc'
    run hoist container run --rm --network none procin sh -c "$PROC_CHECK"
    real_proc_or_refused "/proc -> /tmp/fakeproc"
    import_changed procout "rm -rf proc && ln -s $uniq proc"
    run hoist container run --rm --network none procout sh -c "$PROC_CHECK"
    real_proc_or_refused "/proc -> $uniq (missing)"
    [ ! -e "$uniq" ]
    import_changed procup 'rm -rf proc && ln -s ../../../../../../.. proc'
    run hoist container run --rm --network none procup sh -c "$PROC_CHECK"
    real_proc_or_refused "/proc -> ../../.."
    no_new_host_mounts
    [ -z "$(hoist container ps -aq)" ]
}

@test "security: CVE-2023-27561 an image with files planted in /proc gets the real procfs" {
    import_changed procfiles 'mkdir -p proc/self proc/sys/kernel && echo FAKE >proc/self/status &&
        echo FAKE >proc/sys/kernel/core_pattern && ln -s /tmp proc/1'
    run hoist container run --rm --network none procfiles sh -c "$PROC_CHECK"
    real_proc_or_refused "planted /proc"
    run hoist container run --rm --network none procfiles cat /proc/sys/kernel/core_pattern
    [ "$output" = "$(cat /proc/sys/kernel/core_pattern)" ]
    [ -z "$(hoist container ps -aq)" ]
}

# ---- 8. CVE-2025-31133 / CVE-2025-52565 / CVE-2025-52881: masked and read-only paths -

PROC_RO_PATHS=(/proc/sys/kernel/core_pattern /proc/sysrq-trigger /proc/sys/vm/swappiness /proc/sys/kernel/modprobe)

# Masked paths read as empty, nothing of /proc/sys or sysrq-trigger opens for writing.
MASK_CHECK='for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
        [ -e $f ] || continue; n=$(head -c 64 $f 2>/dev/null | wc -c); [ "$n" = 0 ] || echo "ESCAPE $f readable ($n bytes)"; done;
    [ -z "$(ls /sys/firmware 2>/dev/null)" ] || echo "ESCAPE /sys/firmware listed";
    grep -q " /proc/sys/kernel/core_pattern " /proc/mounts && echo "ESCAPE a mount on core_pattern";
    /att/attack openw '"${PROC_RO_PATHS[*]}"'; echo MASK-CHECKED'

masked_verdict() {
    echo "$1 -> $status: $output"
    [[ "$output" != *ESCAPE* ]] || return 1
    [ "$status" -eq 0 ] && [[ "$output" == *MASK-CHECKED* ]] && return 0
    [ "$status" -ne 0 ] && [[ "$output" != *MASK-CHECKED* ]]
}

@test "security: CVE-2025-31133 masked paths stay masked and /proc/sys read-only, also with /dev/null a symlink" {
    save_sysctl kernel.core_pattern
    save_sysctl vm.swappiness
    run hoist container run --rm --network none -v "$TESTDIR/att:/att:ro" busybox sh -c "$MASK_CHECK"
    masked_verdict default
    # The container's /dev/null a symlink to a procfs file: masking must not bind it.
    hoist container run --rm --network none -v vdev:/dev busybox sh -c \
        'rm -f /dev/null; ln -s /proc/sys/kernel/core_pattern /dev/null' || true
    run hoist container run --rm --network none -v vdev:/dev -v "$TESTDIR/att:/att:ro" busybox sh -c "$MASK_CHECK"
    masked_verdict "/dev/null -> core_pattern"
    import_changed devnull 'rm -rf dev && mkdir dev && ln -s /proc/sys/kernel/core_pattern dev/null'
    run hoist container run --rm --network none -v "$TESTDIR/att:/att:ro" devnull sh -c "$MASK_CHECK"
    masked_verdict "image /dev/null -> core_pattern"
    sysctl_unchanged
    [ -z "$(hoist container ps -aq)" ]
    hoist volume rm vdev >/dev/null
}

@test "security: CVE-2025-52565 a /dev/console symlink does not redirect the console mount onto procfs" {
    save_sysctl kernel.core_pattern
    # A volume on /dev with a working ptmx (the host's devpts, as a container's root may
    # mknod it) and /dev/console a symlink to a procfs file.
    hoist container run --rm --network none -v vcon:/dev busybox sh -c \
        'mknod /dev/ptmx c 5 2 && mknod /dev/null c 1 3 && rm -f /dev/console &&
         ln -s /proc/sys/kernel/core_pattern /dev/console'
    hoist container run -d -t --name t1 --network none -v vcon:/dev -v "$TESTDIR/att:/att:ro" busybox \
        sh -c "$MASK_CHECK" >/dev/null || true
    wait_exited t1 || true
    run hoist container logs t1
    echo "logs: $output"
    [[ "$output" != *ESCAPE* ]]
    # It ran through the checks, or it was refused.
    [[ "$output" == *MASK-CHECKED* ]] || [ "$(hoist container inspect -f '{{.State.ExitCode}}' t1)" != 0 ]
    hoist container rm -f t1 >/dev/null
    sysctl_unchanged
    hoist volume rm vcon >/dev/null
}

@test "security: CVE-2025-52881 a sysctl write redirected through a volume on /proc/sys lands nowhere on the host" {
    save_sysctl vm.swappiness
    save_sysctl net.ipv4.ip_unprivileged_port_start
    local v=61
    [ "$(cat /proc/sys/vm/swappiness)" != 61 ] || v=62
    hoist container run --rm --network none -v vsys:/v busybox sh -c \
        'ln -s /proc/sys/vm/swappiness /v/ip_unprivileged_port_start && ln -s /proc/sys/vm /v/conf'
    run hoist container run --rm --network none -v vsys:/proc/sys/net/ipv4 \
        --sysctl "net.ipv4.ip_unprivileged_port_start=$v" busybox cat /proc/sys/vm/swappiness
    echo "$output"
    restore_sysctls_now
    sysctl_unchanged
    [ -z "$(hoist container ps -aq)" ]
    hoist volume rm vsys >/dev/null
}

@test "security: CVE-2025-52565 hoist runtime: a /dev/console symlink does not redirect the console mount onto procfs" {
    save_sysctl kernel.core_pattern
    # A /dev the container controls (as a shared volume would be): the runtime binds
    # it instead of its tmpfs; devpts is mounted on it as usual.
    local b=$TESTDIR/bundle
    mkdir -p "$b" "$TESTDIR/devdir/pts"
    ln -s /proc/sys/kernel/core_pattern "$TESTDIR/devdir/console"
    ln -s pts/ptmx "$TESTDIR/devdir/ptmx"
    cp -a "$BUSYBOX_ROOTFS" "$b/rootfs"
    cp "$TESTDIR/att/attack" "$b/rootfs/attack"
    (cd "$b" && "$HOIST_BIN" runtime spec)
    jq ".process.terminal=true | .linux.cgroupsPath=\"/$CGPARENT/t1\" |
        .process.args=[\"sh\",\"-c\",\"grep -q ' /proc/sys/kernel/core_pattern ' /proc/mounts && echo ESCAPE a mount on core_pattern; /attack openw ${PROC_RO_PATHS[*]}; echo MASK-CHECKED\"] |
        .mounts |= map(if .destination == \"/dev\" then {destination: \"/dev\", type: \"bind\", source: \"$TESTDIR/devdir\", options: [\"rbind\"]} else . end)" \
        "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    "$TESTDIR/att/attack" console-recv "$TESTDIR/console.sock" 20 >"$TESTDIR/console.out" &
    local recv=$!
    for _ in $(seq 100); do [ -S "$TESTDIR/console.sock" ] && break; sleep 0.05; done
    run "$HOIST_BIN" runtime --root "$RUNROOT/rt" run --console-socket "$TESTDIR/console.sock" --bundle "$b" t1
    echo "runtime run: $status: $output"
    local rstatus=$status
    [ "$rstatus" -eq 0 ] || kill "$recv" 2>/dev/null || true
    wait "$recv" || true
    cat "$TESTDIR/console.out"
    sysctl_unchanged
    if grep -q ESCAPE "$TESTDIR/console.out"; then false; fi
    [ "$rstatus" -ne 0 ] || grep -q MASK-CHECKED "$TESTDIR/console.out"
}
