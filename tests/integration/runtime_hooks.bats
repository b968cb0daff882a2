#!/usr/bin/env bats
# `hoist runtime`: OCI hooks (config.json `hooks`), on a bundle made from the busybox
# rootfs. Each hook is one script, told its kind and where to write: it saves the
# state it read on stdin as KIND.json, its mount namespace as KIND.ns, and appends
# KIND to the log. startContainer's path resolves in the container, so a copy of the
# script lives in the rootfs and writes through a bind mount of the same directory.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    BUNDLE=$TESTDIR/bundle
    LOGDIR=$TESTDIR/hooklog
    HOOK=$TESTDIR/hook.sh
    mkdir -p "$BUNDLE" "$LOGDIR"
    cp -a "$BUSYBOX_ROOTFS" "$BUNDLE/rootfs"
    cat >"$HOOK" <<'EOF'
#!/bin/sh
cat >"$2/$1.json"
readlink /proc/self/ns/mnt >"$2/$1.ns"
echo "$1" >>"$2/log"
exit "${3:-0}"
EOF
    chmod +x "$HOOK"
    cp "$HOOK" "$BUNDLE/rootfs/hook.sh"
    (cd "$BUNDLE" && "$HOIST_BIN" runtime spec)
    cfg ".process.terminal=false | .linux.cgroupsPath=\"/$CGPARENT/ctr\"
         | .annotations={\"org.example.k\":\"v\"}
         | .mounts += [{\"destination\":\"/hooklog\",\"type\":\"bind\",\"source\":\"$LOGDIR\",\"options\":[\"rbind\",\"rw\"]}]"
}

# A test that failed half-way leaves its container: report the leak, then kill it so
# its init does not hold bats' output open.
teardown() {
    local status=0 d
    hoist_leaks || status=1
    for d in "$RUNROOT"/rt/*/; do
        [ -d "$d" ] && rt delete --force "$(basename "$d")" >/dev/null 2>&1
    done
    hoist_teardown || status=1
    return $status
}

cfg() {
    jq "$1" "$BUNDLE/config.json" >"$BUNDLE/c.tmp" && mv "$BUNDLE/c.tmp" "$BUNDLE/config.json"
}

rt() {
    "$HOIST_BIN" runtime --root "$RUNROOT/rt" "$@"
}

# hook KIND [EXIT [TIMEOUT]]: the JSON of one hook entry that runs the script.
hook() {
    local path=$HOOK dir=$LOGDIR
    if [ "$1" = startContainer ]; then
        path=/hook.sh dir=/hooklog
    fi
    jq -nc --arg p "$path" --arg k "$1" --arg d "$dir" --arg x "${2:-0}" --argjson t "${3:-0}" \
        '{path: $p, args: [$p, $k, $d, $x]} + (if $t > 0 then {timeout: $t} else {} end)'
}

all_hooks() {
    local k json='{}'
    for k in prestart createRuntime createContainer startContainer poststart poststop; do
        json=$(jq -c --arg k "$k" --argjson h "$(hook "$k")" '.[$k] = [$h]' <<<"$json")
    done
    cfg ".hooks=$json"
}

logged() {
    tr '\n' ' ' <"$LOGDIR/log" | sed 's/ $//'
}

field() {
    jq -r "$2" "$LOGDIR/$1.json"
}

stopped() {
    [ "$(rt state "$1" | jq -r .status)" = stopped ]
}

wait_stopped() {
    wait_until stopped "$1"
}

# Nothing of container $1 remains: no state, no cgroup.
gone() {
    run rt state "$1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"does not exist"* ]]
    [ ! -e "$RUNROOT/rt/$1" ]
    [ -z "$(find /sys/fs/cgroup/*/"$CGPARENT" -mindepth 1 -type d 2>/dev/null)" ]
}

@test "hooks: order across create, start, kill, delete, and the state each reads" {
    all_hooks
    cfg '.process.args=["sh","-c","test -e /hooklog/startContainer.json && echo after-startContainer >/hooklog/process; exec sleep 100"]'
    rt create --bundle "$BUNDLE" h1
    [ "$(logged)" = "prestart createRuntime createContainer" ]
    pid=$(rt state h1 | jq .pid)
    [ "$pid" -gt 1 ]
    for k in prestart createRuntime createContainer; do
        [ "$(field $k .status)" = creating ]
        [ "$(field $k .pid)" = "$pid" ]
        [ "$(field $k .id)" = h1 ]
        [ "$(field $k .bundle)" = "$BUNDLE" ]
        [ "$(field $k '.annotations["org.example.k"]')" = v ]
        [ "$(field $k .ociVersion)" != null ]
    done
    # Runtime namespace for the first two, the container's mount namespace for
    # createContainer.
    host_ns=$(readlink /proc/self/ns/mnt)
    ctr_ns=$(readlink /proc/"$pid"/ns/mnt)
    [ "$host_ns" != "$ctr_ns" ]
    [ "$(cat "$LOGDIR/createRuntime.ns")" = "$host_ns" ]
    [ "$(cat "$LOGDIR/prestart.ns")" = "$host_ns" ]
    [ "$(cat "$LOGDIR/createContainer.ns")" = "$ctr_ns" ]

    rt start h1
    [ "$(logged)" = "prestart createRuntime createContainer startContainer poststart" ]
    [ "$(field startContainer .status)" = created ]
    [ "$(field startContainer .pid)" = "$pid" ]
    [ "$(cat "$LOGDIR/startContainer.ns")" = "$ctr_ns" ]
    [ "$(field poststart .status)" = running ]
    [ "$(field poststart .pid)" = "$pid" ]
    [ "$(cat "$LOGDIR/poststart.ns")" = "$host_ns" ]
    [ "$(rt state h1 | jq -r .status)" = running ]
    wait_until test -e "$LOGDIR/process"
    [ "$(cat "$LOGDIR/process")" = after-startContainer ]

    rt kill h1 KILL
    wait_stopped h1
    [ "$(logged)" = "prestart createRuntime createContainer startContainer poststart" ]
    rt delete h1
    [ "$(logged)" = "prestart createRuntime createContainer startContainer poststart poststop" ]
    [ "$(field poststop .status)" = stopped ]
    [ "$(field poststop .id)" = h1 ]
    [ "$(field poststop '.annotations["org.example.k"]')" = v ]
    [ "$(cat "$LOGDIR/poststop.ns")" = "$host_ns" ]
    gone h1
}

@test "hooks: an attached run calls every hook, poststop once it has finished" {
    all_hooks
    cfg '.process.args=["sh","-c","echo hi; exit 3"]'
    run rt run --bundle "$BUNDLE" r1
    [ "$status" -eq 3 ]
    [ "$output" = hi ]
    [ "$(logged)" = "prestart createRuntime createContainer startContainer poststart poststop" ]
    [ "$(field createRuntime .status)" = creating ]
    [ "$(field startContainer .status)" = created ]
    pid=$(field createRuntime .pid)
    [ "$pid" -gt 1 ]
    [ "$(field createContainer .pid)" = "$pid" ]
    [ "$(field startContainer .pid)" = "$pid" ]
    [ "$(field poststart .pid)" = "$pid" ]
    [ "$(field poststop .status)" = stopped ]
    gone r1
}

@test "hooks: run --detach calls poststart, delete calls poststop" {
    cfg ".hooks={\"poststart\":[$(hook poststart)],\"poststop\":[$(hook poststop)]}"
    cfg '.process.args=["sleep","100"]'
    rt run --detach --bundle "$BUNDLE" d1
    [ "$(logged)" = poststart ]
    [ "$(field poststart .status)" = running ]
    run rt delete --force d1
    [ "$status" -eq 0 ]
    [ "$(logged)" = "poststart poststop" ]
    gone d1
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing behind" {
    cfg ".hooks={\"createRuntime\":[$(hook createRuntime 3)],\"createContainer\":[$(hook createContainer)],\"poststop\":[$(hook poststop)]}"
    run rt create --bundle "$BUNDLE" f1
    [ "$status" -ne 0 ]
    [[ "$output" == *"container \"f1\": createRuntime hook \"$HOOK\" exited with status 3"* ]]
    [ "$(logged)" = createRuntime ]
    gone f1
    # The same for run.
    run rt run --bundle "$BUNDLE" f1
    [ "$status" -ne 0 ]
    [[ "$output" == *"createRuntime hook \"$HOOK\" exited with status 3"* ]]
    gone f1
}

@test "hooks: failing prestart, createContainer and startContainer hooks" {
    cfg ".hooks={\"prestart\":[$(hook prestart 4)],\"createRuntime\":[$(hook createRuntime)]}"
    run rt create --bundle "$BUNDLE" p1
    [ "$status" -ne 0 ]
    [[ "$output" == *"prestart hook \"$HOOK\" exited with status 4"* ]]
    [ "$(logged)" = prestart ]
    gone p1

    rm -f "$LOGDIR/log"
    cfg ".hooks={\"createContainer\":[$(hook createContainer 5)]}"
    run rt create --bundle "$BUNDLE" p2
    [ "$status" -ne 0 ]
    [[ "$output" == *"container \"p2\": createContainer hook \"$HOOK\" exited with status 5"* ]]
    [ "$(logged)" = createContainer ]
    gone p2

    # startContainer runs after `start` has been asked for: start reports it.
    rm -f "$LOGDIR/log"
    cfg ".hooks={\"startContainer\":[$(hook startContainer 6)],\"poststart\":[$(hook poststart)]}"
    cfg '.process.args=["sh","-c","echo process >>/hooklog/log"]'
    rt create --bundle "$BUNDLE" p3
    run rt start p3
    [ "$status" -ne 0 ]
    [[ "$output" == *"container \"p3\": startContainer hook \"/hook.sh\" exited with status 6"* ]]
    wait_stopped p3
    [ "$(logged)" = startContainer ]
    rt delete p3
    gone p3

    rm -f "$LOGDIR/log"
    run rt run --bundle "$BUNDLE" p4
    [ "$status" -ne 0 ]
    [[ "$output" == *"container \"p4\": startContainer hook \"/hook.sh\" exited with status 6"* ]]
    [ "$(logged)" = startContainer ]
    gone p4
}

@test "hooks: a hook past its timeout is killed, with its children, and fails create" {
    cat >"$TESTDIR/slow.sh" <<EOF
#!/bin/sh
sleep 30 &
echo \$! >"$TESTDIR/sleeper"
wait
EOF
    chmod +x "$TESTDIR/slow.sh"
    cfg ".hooks={\"createRuntime\":[{\"path\":\"$TESTDIR/slow.sh\",\"timeout\":1}]}"
    start=$(date +%s%N)
    run rt create --bundle "$BUNDLE" t1
    elapsed=$((($(date +%s%N) - start) / 1000000))
    [ "$status" -ne 0 ]
    [[ "$output" == *"createRuntime hook \"$TESTDIR/slow.sh\" did not finish within 1 s"* ]]
    [ "$elapsed" -ge 900 ]
    # Killed at its 1 s timeout, not after its 30 s.
    [ "$elapsed" -lt 25000 ]
    sleeper=$(cat "$TESTDIR/sleeper")
    wait_until test ! -d /proc/"$sleeper"
    [ ! -d /proc/"$sleeper" ]
    gone t1

    # Within its timeout a hook is not disturbed.
    cfg ".hooks={\"createRuntime\":[$(hook createRuntime 0 5)]}"
    rt create --bundle "$BUNDLE" t2
    [ "$(logged)" = createRuntime ]
    rt delete t2
}

@test "hooks: failing poststart and poststop hooks only warn" {
    cfg ".hooks={\"poststart\":[$(hook poststart 7),$(hook poststart)],\"poststop\":[$(hook poststop 8),$(hook poststop)]}"
    cfg '.process.args=["true"]'
    run rt run --bundle "$BUNDLE" w1
    [ "$status" -eq 0 ]
    [[ "$output" == *"warning: poststart hook \"$HOOK\" exited with status 7"* ]]
    [[ "$output" == *"warning: poststop hook \"$HOOK\" exited with status 8"* ]]
    # A failed hook does not stop the ones after it.
    [ "$(logged)" = "poststart poststart poststop poststop" ]
    gone w1

    rm -f "$LOGDIR/log"
    cfg '.process.args=["sleep","100"]'
    rt create --bundle "$BUNDLE" w2
    run rt start w2
    [ "$status" -eq 0 ]
    [[ "$output" == *"warning: poststart hook \"$HOOK\" exited with status 7"* ]]
    [ "$(rt state w2 | jq -r .status)" = running ]
    run rt delete --force w2
    [ "$status" -eq 0 ]
    [[ "$output" == *"warning: poststop hook \"$HOOK\" exited with status 8"* ]]
    [ "$(logged)" = "poststart poststart poststop poststop" ]
    gone w2
}

@test "hooks: args and env reach the hook; without env it inherits the runtime's" {
    cat >"$TESTDIR/env.sh" <<EOF
#!/bin/sh
echo "\$1|\${HOOKVAR-unset}|\${HOME-unset}" >>"$LOGDIR/env"
EOF
    chmod +x "$TESTDIR/env.sh"
    # busybox picks its applet from argv[0], so this also shows args[0] is argv[0].
    first=$(jq -nc --arg log "$LOGDIR/env" '{path: "/bin/busybox",
        args: ["sh", "-c", "echo \"$1|${HOOKVAR-unset}|${HOME-unset}\" >>" + $log, "x", "a b"],
        env: ["HOOKVAR=x y"]}')
    cfg ".hooks={\"createRuntime\":[$first,{\"path\":\"$TESTDIR/env.sh\"}]}"
    HOOKVAR=inherited rt create --bundle "$BUNDLE" e1
    [ "$(sed -n 1p "$LOGDIR/env")" = "a b|x y|unset" ]
    [ "$(sed -n 2p "$LOGDIR/env")" = "|inherited|$HOME" ]
    rt delete e1
}

@test "hooks: invalid hooks are refused before anything is created" {
    local bad
    for bad in '{"createRuntime":[{"path":"relative/hook"}]}' \
        '{"poststart":[{"path":"/bin/true","timeout":0}]}' \
        '{"poststart":[{"path":"/bin/true","timeout":"1"}]}' \
        '{"prestart":[{"path":"/bin/true","args":["x",1]}]}' \
        '{"poststop":[{"path":"/bin/true","env":"A=1"}]}' \
        '{"createContainer":{"path":"/bin/true"}}' \
        '{"startContainer":[{"args":["x"]}]}' \
        '["x"]'; do
        cfg ".hooks=$bad"
        run rt create --bundle "$BUNDLE" i1
        [ "$status" -ne 0 ]
        [[ "$output" == *"hooks"* ]]
        [[ "$output" == *"must be"* ]]
        gone i1
    done
    cfg '.hooks={"createRuntime":[{"path":"/nonexistent/hook"}]}'
    run rt create --bundle "$BUNDLE" i2
    [ "$status" -ne 0 ]
    [[ "$output" == *'createRuntime hook "/nonexistent/hook": No such file or directory'* ]]
    gone i2
    # A startContainer path resolves inside the container: the host's script is not there.
    cfg ".hooks={\"startContainer\":[{\"path\":\"$HOOK\"}]}"
    run rt run --bundle "$BUNDLE" i3
    [ "$status" -ne 0 ]
    [[ "$output" == *"startContainer hook \"$HOOK\": No such file or directory"* ]]
    gone i3
}
