#!/usr/bin/env bats
# `hoist runtime`: an OCI bundle made from the busybox rootfs, checked from inside.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    BUNDLE=$TESTDIR/bundle
    mkdir -p "$BUNDLE"
    cp -a "$BUSYBOX_ROOTFS" "$BUNDLE/rootfs"
    (cd "$BUNDLE" && "$HOIST_BIN" runtime spec)
    cfg ".process.terminal=false | .linux.cgroupsPath=\"/$CGPARENT/ctr\""
}

cfg() {
    jq "$1" "$BUNDLE/config.json" >"$BUNDLE/c.tmp" && mv "$BUNDLE/c.tmp" "$BUNDLE/config.json"
}

rt() {
    "$HOIST_BIN" runtime --root "$RUNROOT/rt" "$@"
}

# Run a command in a fresh container (hoist runtime run, attached).
in_ctr() {
    local a args
    args=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -sc .)
    cfg ".process.args=$args"
    run rt run --bundle "$BUNDLE" t1
}

state_of() {
    rt state "$1" | jq -r .status
}

state_is() {
    [ "$(state_of "$1")" = "$2" ]
}

@test "runtime: Docker's default capabilities and seccomp" {
    in_ctr sh -c 'grep -E "^(CapEff|CapBnd|CapPrm|Seccomp):" /proc/self/status'
    [ "$status" -eq 0 ]
    [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
    [[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
    # The default profile denies unshare and mount without CAP_SYS_ADMIN.
    in_ctr unshare -m true
    [ "$status" -ne 0 ]
}

@test "runtime: hostname, env, cwd created, pid 1" {
    cfg '.hostname="box" | .process.env += ["FOO=bar baz"] | .process.cwd="/work/deep"'
    in_ctr sh -c 'hostname; echo "$FOO"; pwd; echo $$'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = box ]
    [ "${lines[1]}" = "bar baz" ]
    [ "${lines[2]}" = /work/deep ]
    [ "${lines[3]}" = 1 ]
}

@test "runtime: user, groups and umask" {
    cfg '.process.user={"uid":1000,"gid":1000,"additionalGids":[29,44],"umask":63}'
    in_ctr sh -c 'id; umask; grep CapEff /proc/self/status'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "uid=1000(app) gid=1000(app) groups=29(audio),44(video)" ]
    [ "${lines[1]}" = "0077" ]
    [ "${lines[2]}" = "CapEff:	0000000000000000" ]
}

@test "runtime: read-only /sys, masked and read-only /proc paths, read-only root" {
    # This kernel has no /proc/kcore; timer_list and keys are masked the same way.
    [ -e /proc/timer_list ] && [ -e /proc/keys ]
    in_ctr sh -c 'touch /sys/x 2>/dev/null && echo sys-writable; cat /proc/timer_list /proc/keys | wc -c; (echo 1 >/proc/sys/kernel/domainname) 2>/dev/null && echo procsys-writable; grep " /sys " /proc/mounts'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [[ "${lines[1]}" == "sysfs /sys sysfs ro,"* ]]
    cfg '.root.readonly=true'
    in_ctr sh -c 'touch /x 2>/dev/null && echo root-writable; touch /dev/shm/x && echo shm-ok'
    [ "$output" = shm-ok ]
}

@test "runtime: rlimits, sysctl, loopback up, cgroup mount" {
    cfg '.process.rlimits=[{"type":"RLIMIT_NOFILE","hard":512,"soft":256}] | .linux.sysctl={"net.ipv4.ip_forward":"1"}'
    in_ctr sh -c 'ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_forward; ip link show lo | grep -c UP; ls /sys/fs/cgroup/memory/memory.limit_in_bytes'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 256 ]
    [ "${lines[1]}" = 512 ]
    [ "${lines[2]}" = 1 ]
    [ "${lines[3]}" = 1 ]
}

@test "runtime: exit codes 127, 126 and the container's own" {
    cfg '.process.args=["nosuchcmd"]'
    run -127 rt run --bundle "$BUNDLE" t1
    [ "$status" -eq 127 ]
    [[ "$output" == *'exec: "nosuchcmd": executable file not found in $PATH'* ]]
    in_ctr /etc/passwd
    [ "$status" -eq 126 ]
    in_ctr /etc
    [ "$status" -eq 126 ]
    in_ctr sh -c 'exit 3'
    [ "$status" -eq 3 ]
    # A failed run leaves no state behind.
    run -0 rt list -q
    [ "$output" = "" ]
}

@test "runtime: create, start, state, exec, kill, delete" {
    cfg '.process.args=["sleep","1000"]'
    rt create --bundle "$BUNDLE" --pid-file "$TESTDIR/pid" c1 >"$TESTDIR/out" 2>&1
    [ "$(state_of c1)" = created ]
    pid=$(cat "$TESTDIR/pid")
    [ "$(rt state c1 | jq .pid)" = "$pid" ]
    # Still waiting: its command is not sleep yet.
    [ "$(tr '\0' ' ' </proc/$pid/cmdline)" != "sleep 1000 " ]
    run rt start c1
    [ "$status" -eq 0 ]
    [ "$(state_of c1)" = running ]
    run rt start c1
    [ "$status" -ne 0 ]
    [[ "$output" == *'container "c1" is running, not created'* ]]
    run rt exec c1 sh -c 'echo hello from $$; ps -o comm | grep -c sleep'
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "hello from "* ]]
    [ "${lines[1]}" = 1 ]
    run rt exec --user 1000:1000 --cwd /tmp --env X=y c1 sh -c 'id -u; pwd; echo $X; exit 5'
    [ "$status" -eq 5 ]
    [ "${lines[0]}" = 1000 ]
    [ "${lines[1]}" = /tmp ]
    [ "${lines[2]}" = y ]
    run -127 rt exec c1 nosuchcmd
    [ "$status" -eq 127 ]
    run rt delete c1
    [ "$status" -ne 0 ]
    [[ "$output" == *"is running"* ]]
    run rt kill c1 KILL
    [ "$status" -eq 0 ]
    wait_until state_is c1 stopped
    [ "$(state_of c1)" = stopped ]
    run rt kill c1 TERM
    [ "$status" -ne 0 ]
    run rt delete c1
    [ "$status" -eq 0 ]
    run rt state c1
    [ "$status" -ne 0 ]
    [[ "$output" == *'container "c1" does not exist'* ]]
}

@test "runtime: delete --force, kill --all, run --detach, duplicate id" {
    cfg '.process.args=["sleep","1000"]'
    rt run --detach --bundle "$BUNDLE" d1 >"$TESTDIR/out" 2>&1
    [ "$(state_of d1)" = running ]
    run rt run --detach --bundle "$BUNDLE" d1
    [ "$status" -ne 0 ]
    [[ "$output" == *'container "d1" already exists'* ]]
    rt exec --detach d1 sleep 1000
    run rt kill d1 NOSUCHSIG
    [ "$status" -ne 0 ]
    [[ "$output" == *'unknown signal "NOSUCHSIG"'* ]]
    run rt kill --all d1 SIGKILL
    [ "$status" -eq 0 ]
    wait_until state_is d1 stopped
    rt create --bundle "$BUNDLE" d2 >"$TESTDIR/out" 2>&1
    run rt delete --force d2
    [ "$status" -eq 0 ]
    run rt delete d1
    [ "$status" -eq 0 ]
}

@test "runtime: mount targets cannot escape the root through symlinks" {
    ln -s / "$BUNDLE/rootfs/escape"
    mkdir -p "$TESTDIR/src" && echo secret >"$TESTDIR/src/f"
    cfg ".mounts += [{\"destination\":\"/escape/$CGPARENT\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},
                     {\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"$TESTDIR/src\",\"options\":[\"rbind\",\"ro\"]}]"
    in_ctr sh -c "grep -c ' /$CGPARENT tmpfs' /proc/mounts; cat /data/f; touch /data/g 2>/dev/null && echo writable; true"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1 ]
    [ "${lines[1]}" = secret ]
    [ "${#lines[@]}" -eq 2 ]
    [ ! -e "/$CGPARENT" ]
    [ -d "$BUNDLE/rootfs/$CGPARENT" ]
}

@test "runtime: bad configs fail cleanly" {
    cp "$BUNDLE/config.json" "$TESTDIR/good.json"
    cfg '.root.path="nope"'
    run rt run --bundle "$BUNDLE" b1
    [ "$status" -eq 1 ]
    [[ "$output" == *'container "b1": rootfs "'*'/nope": No such file or directory'* ]]
    echo '{"ociVersion": ' >"$BUNDLE/config.json"
    run rt run --bundle "$BUNDLE" b1
    [ "$status" -eq 1 ]
    [[ "$output" == *"invalid JSON"* ]]
    jq '.linux.namespaces += [{"type":"bogus"}]' "$TESTDIR/good.json" >"$BUNDLE/config.json"
    run rt run --bundle "$BUNDLE" b1
    [ "$status" -eq 1 ]
    [[ "$output" == *'unknown namespace type "bogus"'* ]]
    jq '.process.terminal=true' "$TESTDIR/good.json" >"$BUNDLE/config.json"
    run rt create --bundle "$BUNDLE" b1
    [ "$status" -eq 1 ]
    [[ "$output" == *"--console-socket"* ]]
    jq '.mounts += [{"destination":"/x","type":"nosuchfs","source":"none"}]' "$TESTDIR/good.json" >"$BUNDLE/config.json"
    run rt run --bundle "$BUNDLE" b1
    [ "$status" -eq 1 ]
    [[ "$output" == *'container "b1": mount "none" on "/x": No such device'* ]]
    jq '.process.capabilities.bounding += ["CAP_BOGUS"]' "$TESTDIR/good.json" >"$BUNDLE/config.json"
    run rt run --bundle "$BUNDLE" b1
    [ "$status" -eq 1 ]
    [[ "$output" == *'unknown capability "CAP_BOGUS"'* ]]
    run rt run --bundle "$BUNDLE" ../evil
    [ "$status" -eq 1 ]
    [[ "$output" == *'invalid container id "../evil"'* ]]
    run -0 rt list -q
    [ "$output" = "" ]
}
