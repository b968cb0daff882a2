#!/usr/bin/env bats
# `hoist container`: lifecycle, logs, exec, restart policies and exit codes.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    import_busybox
}

# Milliseconds since the epoch.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

state() {
    hoist container inspect "$1" | jq -r ".[0].State.$2"
}

state_is() {
    [ "$(state "$1" "$2")" = "$3" ]
}

# Container $1 has the file $2: a container signals it is ready this way.
has_file() {
    hoist container exec "$1" test -e "$2"
}

logs_are() { # logs_are NAME STDOUT STDERR
    [ "$(hoist container logs "$1" 2>/dev/null)" = "$2" ] &&
        [ "$(hoist container logs "$1" 2>&1 >/dev/null)" = "$3" ]
}

restarts_at_least() {
    [ "$(hoist container inspect "$1" | jq '.[0].RestartCount')" -ge "$2" ]
}

@test "run: output, exit code and --rm leaves nothing behind" {
    run hoist container run --rm busybox echo hello
    [ "$status" -eq 0 ]
    [ "$output" = hello ]
    run hoist container run --rm busybox sh -c 'echo oops >&2; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = oops ]
    run -0 hoist container ps -aq
    [ -z "$output" ]
    [ -z "$(ls "$ROOT/containers")" ]
}

@test "run: exit codes 125, 126, 127 as docker" {
    run hoist container run --rm nosuchimage true
    [ "$status" -eq 125 ]
    [[ "$output" == *"No such image"* ]]
    run hoist container run --rm --restart bogus busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"invalid restart policy"* ]]
    run hoist container run --rm --memory 12q busybox true
    [ "$status" -eq 125 ]
    run hoist container run --rm --cap-add NOPE busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"unknown capability"* ]]
    run hoist container run --rm --network bridgeX busybox true
    [ "$status" -eq 125 ]
    run hoist container run --rm -u nosuchuser busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"unable to find user nosuchuser"* ]]
    run -127 hoist container run --rm busybox /no/such/cmd
    [ "$status" -eq 127 ]
    [[ "$output" == *"/no/such/cmd"* ]]
    run -126 hoist container run --rm busybox /etc
    # Failed creates leave nothing; failed starts with --rm neither.
    run -0 hoist container ps -aq
    [ -z "$output" ]
}

@test "run -d, ps, logs, stop with a SIGTERM handler is fast" {
    # The container writes its output once its trap is set. Its stop timeout is 300s:
    # exit code 0 says the handler ended it, and a stop that waited for the timeout
    # would take minutes where the handler takes a fraction of a second.
    id=$(hoist container run -d --name web --stop-timeout 300 busybox sh -c 'trap "echo bye; exit 0" TERM; echo out; echo err >&2; while :; do sleep 0.1; done')
    [ ${#id} -eq 64 ]
    run -0 hoist container ps
    [[ "$output" == *"web"* ]]
    [[ "$output" == *"Up "* ]]
    run -0 hoist container ps --format json
    [ "$(echo "$output" | jq -r .Names)" = web ]
    [ "$(echo "$output" | jq -r .State)" = running ]
    wait_until logs_are web out err
    run -0 --separate-stderr hoist container logs web
    [ "$output" = out ]
    [ "$stderr" = err ]
    t0=$(now_ms)
    hoist container stop web
    [ $(($(now_ms) - t0)) -lt 150000 ]
    [ "$(state web Status)" = exited ]
    [ "$(state web ExitCode)" = 0 ]
    run -0 hoist container logs web
    [[ "$output" == *bye* ]]
    run -0 hoist container ps
    [[ "$output" != *web* ]]
    run -0 hoist container ps -a
    [[ "$output" == *"Exited (0)"* ]]
    hoist container rm web
    [ -z "$(hoist container ps -aq)" ]
}

@test "stop: a process ignoring SIGTERM is killed after -t" {
    # -t 1 against a stop timeout of 300s: at least a second, and far from 300s.
    hoist container run -d --name s1 --stop-timeout 300 busybox sleep 100
    t0=$(now_ms)
    hoist container stop -t 1 s1
    dt=$(($(now_ms) - t0))
    [ "$dt" -ge 900 ]
    [ "$dt" -lt 150000 ]
    [ "$(state s1 ExitCode)" = 137 ]
    hoist container rm s1
}

@test "kill, wait and rm -f of a running container" {
    hoist container run -d --name k1 busybox sh -c 'trap "exit 42" USR1; touch /tmp/trapped; while :; do sleep 0.1; done'
    wait_until has_file k1 /tmp/trapped
    hoist container kill -s USR1 k1
    run -0 hoist container wait k1
    [ "$output" = 42 ]
    run hoist container kill k1
    [ "$status" -ne 0 ]
    [[ "$output" == *"not running"* ]]
    hoist container run -d --name k3 busybox sleep 100
    hoist container kill k3
    [ "$(hoist container wait k3)" = 137 ]
    hoist container rm k3
    run hoist container kill -s NOSIG k1
    [ "$status" -ne 0 ]
    hoist container rm k1
    hoist container run -d --name k2 busybox sleep 100
    run hoist container rm k2
    [ "$status" -ne 0 ]
    [[ "$output" == *"running"* ]]
    hoist container rm -f k2
    run hoist container inspect k2
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such container"* ]]
}

@test "names are unique; create then start" {
    hoist container create --name c1 busybox sh -c 'echo created-run'
    run hoist container create --name c1 busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"already in use"* ]]
    [ "$(state c1 Status)" = created ]
    hoist container start c1
    [ "$(hoist container wait c1)" = 0 ]
    [ "$(hoist container logs c1)" = created-run ]
    hoist container rm c1
    hoist container create --name c1 busybox true
    hoist container rm c1
}

@test "restart policies: on-failure:N counts, always restarts until stop" {
    hoist container run -d --name rf --restart on-failure:2 busybox sh -c 'echo run; exit 1'
    [ "$(hoist container wait rf)" = 1 ]
    [ "$(hoist container inspect rf | jq '.[0].RestartCount')" = 2 ]
    [ "$(hoist container logs rf | grep -c run)" = 3 ]
    hoist container run -d --name ra --restart always busybox sh -c 'exit 0'
    wait_until restarts_at_least ra 2
    hoist container stop ra
    [ "$(state ra Status)" = exited ]
    hoist container rm rf ra
}

tail_is() { # tail_is NAME N TEXT
    [ "$(hoist container logs --tail "$2" "$1" 2>/dev/null)" = "$3" ]
}

file_has() { # file_has FILE TEXT
    grep -q "$2" "$1" 2>/dev/null
}

@test "logs: --tail, -t, and -f ends when the container stops" {
    # Five lines, then "last" once the test has attached logs -f and created /tmp/go.
    hoist container run -d --name lg busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo last'
    wait_until tail_is lg 2 "$(printf 'line4\nline5')"
    run -0 hoist container logs -t --tail 1 lg
    [[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ line5$ ]]
    timeout 300 "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" container logs -f lg >"$TESTDIR/follow" 2>&1 &
    follow=$!
    wait_until file_has "$TESTDIR/follow" line5
    hoist container exec lg touch /tmp/go
    rc=0
    wait $follow || rc=$?
    [ "$rc" -eq 0 ]
    grep -q last "$TESTDIR/follow"
    run hoist container logs --tail x lg
    [ "$status" -ne 0 ]
    hoist container rm lg
}

@test "exec: output, env, user, workdir and exit codes" {
    hoist container run -d --name ex busybox sleep 100
    run -0 hoist container exec ex echo hi
    [ "$output" = hi ]
    run -0 hoist container exec -e FOO=bar ex sh -c 'echo $FOO'
    [ "$output" = bar ]
    run -0 hoist container exec -u app -w /tmp ex sh -c 'id -u; pwd'
    [ "$output" = "$(printf '1000\n/tmp')" ]
    run hoist container exec ex sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run -127 hoist container exec ex nosuchcmd
    [ "$status" -eq 127 ]
    run hoist container exec nosuch true
    [ "$status" -ne 0 ]
    hoist container rm -f ex
    run hoist container exec ex true
    [ "$status" -ne 0 ]
}

@test "tty: -t gives the container a terminal" {
    run script -qec "$HOIST_BIN --root $ROOT --runroot $RUNROOT --cgroup-parent $CGPARENT container run --rm -t busybox sh -c 'tty; echo \$TERM'" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/pts/0"* ]]
    [[ "$output" == *xterm* ]]
    run script -qec "echo 'echo typed; exit 5' | $HOIST_BIN --root $ROOT --runroot $RUNROOT --cgroup-parent $CGPARENT container run --rm -i busybox sh" /dev/null
    [ "$status" -eq 5 ]
    [[ "$output" == *typed* ]]
}

@test "exec -it, start -a of an exited container, run -d --rm" {
    hoist container run -d --name t1 busybox sleep 100
    run script -qec "$HOIST_BIN --root $ROOT --runroot $RUNROOT container exec -it t1 sh -c 'tty; exit 4'" /dev/null
    [ "$status" -eq 4 ]
    [[ "$output" == *"/dev/pts/"* ]]
    hoist container rm -f t1
    hoist container run --name again busybox sh -c 'echo x >> /f; wc -l < /f'
    run hoist container start -a again
    [ "$status" -eq 0 ]
    [ "$output" = 2 ]
    hoist container rm again
    hoist container run -d --rm --name gone busybox sleep 100
    hoist container stop -t 0 gone
    run hoist container inspect gone
    [ "$status" -ne 0 ]
    [ -z "$(ls "$ROOT/containers")" ]
}

@test "foreground run: signals to the CLI reach the container" {
    "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" --cgroup-parent "$CGPARENT" container run --rm busybox sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done' >"$TESTDIR/out" &
    pid=$!
    wait_until file_has "$TESTDIR/out" ready
    kill -TERM $pid
    rc=0
    wait $pid || rc=$?
    [ "$rc" -eq 42 ]
}

@test "a killed monitor leaves state that rm -f cleans" {
    id=$(hoist container run -d --name crash busybox sleep 100)
    mon=$(pgrep -f "hoist-monitor --id=$id")
    [ -n "$mon" ]
    kill -9 "$mon"
    wait_until state_is crash Status exited
    run -0 hoist container ps -a
    [[ "$output" == *"Exited (255)"* ]]
    hoist container rm -f crash
    ! grep -q "$RUNROOT" /proc/mounts || false
    [ ! -d "$RUNROOT/runtime/$id" ]
}

@test "inspect and diff" {
    hoist container run --name d1 -e A=1 -w /srv --label x=y busybox sh -c 'touch /tmp/new; rm /etc/group; echo >> /etc/hosts.allow'
    run -0 hoist container inspect d1
    [ "$(echo "$output" | jq -r '.[0].Name')" = /d1 ]
    [ "$(echo "$output" | jq -r '.[0].Config.Labels.x')" = y ]
    [ "$(echo "$output" | jq -r '.[0].Config.WorkingDir')" = /srv ]
    [ "$(echo "$output" | jq -r '.[0].Config.Env[]' | grep -c '^A=1$')" = 1 ]
    [ "$(echo "$output" | jq -r '.[0].State.Running')" = false ]
    [[ "$(echo "$output" | jq -r '.[0].Image')" == sha256:* ]]
    run -0 hoist container diff d1
    [[ "$output" == *"A /tmp/new"* ]]
    [[ "$output" == *"D /etc/group"* ]]
    [[ "$output" == *"C /etc"* ]]
    hoist container rm d1
}

@test "every container verb answers --help; option errors name the container verb" {
    for v in create run start ps ls stop kill rm logs exec inspect wait top diff commit port \
        pause unpause; do
        run hoist container "$v" --help
        [ "$status" -eq 0 ] || { echo "$v: $output"; false; }
        [[ "$output" == "Usage: hoist container "* ]] || { echo "$v: $output"; false; }
    done
    run hoist container ps --bogus
    [ "$status" -eq 125 ]
    [[ "$output" == *"hoist container ps: unknown flag: --bogus"*"See 'hoist container ps --help'."* ]]
    # A command's own --help is the command's, not ours.
    run hoist container run --rm --network none busybox echo --help
    [ "$status" -eq 0 ]
    [ "$output" = "--help" ]
}

@test "inspect -f: docker's template forms for containers, images, networks and volumes" {
    hoist container create --name f1 --network none -e A=1 --label com.x=y busybox true >/dev/null
    run hoist container inspect -f '{{.Name}} {{.State.Running}} {{index .Config.Labels "com.x"}}' f1
    [ "$status" -eq 0 ]
    [ "$output" = "/f1 false y" ]
    run -0 hoist container inspect --format '{{json .Config.Labels}}' f1
    [ "$output" = '{"com.x":"y"}' ]
    # One line per object, in the order asked.
    hoist container create --name f2 --network none busybox true >/dev/null
    run -0 hoist container inspect -f '{{.Name}}' f2 f1
    [ "$output" = $'/f2\n/f1' ]
    # --format json is the plain array.
    [ "$(hoist container inspect --format json f1 | jq -r '.[0].Name')" = /f1 ]
    run -0 hoist image inspect -f '{{.Id}}' busybox
    [[ "$output" == sha256:* ]]
    [ "$output" = "$(hoist image inspect busybox | jq -r '.[0].Id')" ]
    hoist volume create v1 >/dev/null
    run -0 hoist volume inspect -f '{{.Name}} {{.Driver}}' v1
    [ "$output" = "v1 local" ]
    hoist network create n1 >/dev/null
    run -0 hoist network inspect -f '{{.Name}} {{.Driver}}' n1
    [ "$output" = "n1 bridge" ]
    # A template error names itself; the exit status is 1.
    run hoist container inspect -f '{{range .Mounts}}{{end}}' f1
    [ "$status" -eq 1 ]
    [ "$output" = 'hoist: template: "range" actions are not supported' ]
    run hoist container inspect -f '{{.Name' f1
    [ "$status" -eq 1 ]
    [[ "$output" == *"unclosed action"* ]]
    run hoist container inspect -f
    [ "$status" -eq 125 ]
    hoist container rm f1 f2 >/dev/null
    hoist volume rm v1 >/dev/null
    hoist network rm n1 >/dev/null
}
