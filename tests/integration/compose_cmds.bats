#!/usr/bin/env bats
# The compose verbs on an existing stack: ps, logs, exec, start, stop, restart, kill, rm,
# pause, unpause, images, top, port, wait, ls, version; and container/runtime pause.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    compose_setup
    cat >compose.yaml <<'YAML'
name: demo
services:
  db:
    image: busybox
    command: sh -c 'echo db-ready; while true; do sleep 0.1; done'
    stop_signal: KILL
  web:
    image: busybox
    command: sh -c 'echo web-out; echo web-err >&2; while true; do sleep 0.1; done'
    stop_signal: KILL
    depends_on: [db]
    ports: ["18080:80"]
YAML
}

teardown() {
    compose_teardown
}

field() {
    hoist container inspect "$1" | jq -r ".[0]$2"
}

field_is() { # field_is CONTAINER JQPATH VALUE
    [ "$(field "$1" "$2")" = "$3" ]
}

# The stack's logs hold every line the two services write at start.
logs_complete() {
    local out
    out=$(hoist logs --no-color 2>&1)
    [[ "$out" == *"db-ready"* && "$out" == *"web-out"* && "$out" == *"web-err"* ]]
}

file_has() { # file_has FILE TEXT
    grep -q "$2" "$1" 2>/dev/null
}

up() {
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "ps: table, -a, -q, --services, --status, --format json, SERVICE filter" {
    up
    run hoist ps
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(printf 'NAME         IMAGE     COMMAND                  SERVICE   CREATED%*sSTATUS%*sPORTS' 0 '' 0 '' | sed 's/CREATED/CREATED/')" ] || [[ "${lines[0]}" =~ ^NAME\ +IMAGE\ +COMMAND\ +SERVICE\ +CREATED\ +STATUS\ +PORTS$ ]]
    [[ "${lines[1]}" =~ ^demo-db-1\ +busybox\ +\"sh\ -c\ echo\ db-ready…\"\ +db\ +.*\ ago\ +Up\  ]]
    [[ "${lines[2]}" =~ ^demo-web-1\ .*0\.0\.0\.0:18080-\>80/tcp$ ]]
    [ "${#lines[@]}" -eq 3 ]
    run -0 hoist ps -q
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "$(field demo-db-1 .Id)" ]
    run -0 hoist ps --services
    [ "$output" = "$(printf 'db\nweb')" ]
    run hoist ps --format json web
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [ "$(echo "$output" | jq -r .Name)" = demo-web-1 ]
    [ "$(echo "$output" | jq -r .Service)" = web ]
    [ "$(echo "$output" | jq -r .Project)" = demo ]
    [ "$(echo "$output" | jq -r .State)" = running ]
    [ "$(echo "$output" | jq -r '.Publishers[0].PublishedPort')" = 18080 ]
    hoist stop web 2>/dev/null
    run -0 hoist ps --services
    [ "$output" = db ]
    run -0 hoist ps -a --services
    [ "$output" = "$(printf 'db\nweb')" ]
    run -0 hoist ps --status exited --format json
    [ "$(echo "$output" | jq -r .Name)" = demo-web-1 ]
    [[ "$(echo "$output" | jq -r .Status)" =~ ^Exited\ \(137\) ]]
}

@test "ps: bad input fails with a clear error" {
    up
    run hoist ps nope
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nope"* ]]
    run hoist ps --status sleeping
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid status "sleeping"'* ]]
    run hoist ps --format yaml
    [ "$status" -ne 0 ]
    [[ "$output" == *'unsupported format "yaml"'* ]]
    run hoist ps --bogus
    [ "$status" -ne 0 ]
    [[ "$output" == *'--bogus'* ]]
}

@test "a project is found by -p alone once its file is gone" {
    up
    mkdir "$TESTDIR/elsewhere"
    cd "$TESTDIR/elsewhere"
    run hoist ps
    [ "$status" -ne 0 ]
    [[ "$output" == *"no configuration file"* ]]
    run hoist ps -p demo --services
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'db\nweb')" ]
    COMPOSE_PROJECT_NAME=demo run hoist stop
    [ "$status" -eq 0 ]
    [ "$(field demo-web-1 .State.Status)" = exited ]
    [ "$(field demo-db-1 .State.Status)" = exited ]
    # Stopped in reverse dependency order, from the depends_on labels.
    [[ "$output" == *"demo-web-1  Stopped"*"demo-db-1  Stopped"* ]]
    run hoist start -p demo
    [ "$status" -eq 0 ]
    [[ "$output" == *"demo-db-1  Started"*"demo-web-1  Started"* ]]
    run hoist ps -p demo nope
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nope"* ]]
    cd "$TESTDIR/p"
}

@test "logs: prefixes, -n, -t, --no-log-prefix, --since, --until, SERVICE, -f ends with the containers" {
    up
    wait_until logs_complete
    run hoist logs --no-color
    [ "$status" -eq 0 ]
    # Names padded to the longest, as docker compose aligns them.
    [[ "$output" == *"demo-db-1  | db-ready"* ]]
    [[ "$output" == *"demo-web-1 | web-out"* ]]
    [[ "$output" == *"demo-web-1 | web-err"* ]]
    run -0 hoist logs --no-color web
    [[ "$output" != *db-ready* ]]
    run -0 hoist logs --no-log-prefix db
    [ "$output" = db-ready ]
    run -0 hoist logs --no-log-prefix -n 1 web
    [ "${#lines[@]}" -eq 1 ]
    run -0 hoist logs --no-log-prefix -t db
    [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ db-ready$ ]]
    run -0 hoist logs --no-log-prefix --since 1h db
    [ "$output" = db-ready ]
    run -0 hoist logs --no-log-prefix --until 1h db
    [ -z "$output" ]
    run -0 hoist logs --no-log-prefix --since 2000000000 db
    [ -z "$output" ]
    # Not a terminal: no colour unless... never, with a pipe.
    run -0 hoist logs db
    [[ "$output" != *$'\033'* ]]
    local h="$HOIST_BIN --root $ROOT --runroot $RUNROOT --cgroup-parent $CGPARENT"
    run -0 script -qec "$h logs db" /dev/null
    [[ "$output" == *$'\033[36mdemo-db-1 |\033[0m db-ready'* ]]
    run -0 script -qec "$h logs --no-color db" /dev/null
    [[ "$output" != *$'\033'* ]]
    # -f follows until the containers stop: stopped once it has printed what there was.
    timeout 300 "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" --cgroup-parent "$CGPARENT" \
        logs -f --no-color >"$TESTDIR/follow" 2>&1 &
    follow=$!
    wait_until file_has "$TESTDIR/follow" "demo-db-1  | db-ready"
    hoist stop -t 0 >/dev/null 2>&1
    rc=0
    wait $follow || rc=$?
    [ "$rc" -eq 0 ]
    run hoist logs -n x
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid --tail "x"'* ]]
    run hoist logs --since yesterday
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid --since "yesterday"'* ]]
}

@test "exec: exit code, -e, -u, -w, -T, -d, --index; errors" {
    up
    run hoist exec -T web sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run hoist exec -T -e FOO=bar -w /tmp -u 1000 web sh -c 'echo $FOO $(pwd) $(id -u)'
    [ "$status" -eq 0 ]
    [ "$output" = "bar /tmp 1000" ]
    run -0 hoist exec -T --index 1 db echo one
    [ "$output" = one ]
    run hoist exec -d web touch /tmp/detached
    [ "$status" -eq 0 ]
    wait_until hoist exec -T web test -f /tmp/detached
    run hoist exec -T --index 2 web true
    [ "$status" -ne 0 ]
    [[ "$output" == *"not running"* ]]
    run hoist exec -T nope true
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nope"* ]]
    run hoist exec web
    [ "$status" -ne 0 ]
    [[ "$output" == *"requires at least 2 arguments"* ]]
    # A terminal on stdin: a tty by default, none with -T.
    local h="$HOIST_BIN --root $ROOT --runroot $RUNROOT --cgroup-parent $CGPARENT"
    run -0 script -qec "$h exec web tty" /dev/null
    [[ "$output" == */dev/pts/* ]]
    run -1 script -qec "$h exec -T web tty" /dev/null
    [[ "$output" == *"not a tty"* ]]
    [[ "$output" != */dev/pts/* ]]
    hoist stop web 2>/dev/null
    run hoist exec -T web true
    [ "$status" -ne 0 ]
    [[ "$output" == *'service "web" is not running'* ]]
}

@test "stop, start, restart, kill: dependency order, -t, -s, SERVICE filters" {
    up
    run hoist stop -t 0
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-web-1  Stopped"*"Container demo-db-1  Stopped"* ]]
    [ "$(field demo-db-1 .State.Status)" = exited ]
    run hoist start web
    [ "$status" -eq 0 ]
    [ "$(field demo-web-1 .State.Status)" = running ]
    [ "$(field demo-db-1 .State.Status)" = exited ]
    run -0 hoist start
    [[ "$output" == *"Container demo-db-1  Started"* ]]
    [[ "$output" != *"demo-web-1"* ]]
    before=$(field demo-db-1 .State.StartedAt)
    pid=$(field demo-db-1 .State.Pid)
    run hoist restart -t 0 db
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-db-1  Started"* ]]
    [ "$(field demo-db-1 .State.Status)" = running ]
    [ "$(field demo-db-1 .State.StartedAt)" != "$before" ]
    [ "$(field demo-db-1 .State.Pid)" != "$pid" ]
    run hoist kill -s TERM db
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-db-1  Killed"* ]]
    # sh as PID 1 ignores SIGTERM: the kernel drops the signal as it is sent, so the
    # container still runs, and answers an exec afterwards.
    hoist exec -T db true
    [ "$(field demo-db-1 .State.Status)" = running ]
    run hoist kill web
    [ "$status" -eq 0 ]
    wait_until field_is demo-web-1 .State.Status exited
    [ "$(field demo-web-1 .State.ExitCode)" = 137 ]
    [ "$(field demo-db-1 .State.Status)" = running ]
    run hoist kill -s NOPE
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid signal "NOPE"'* ]]
    run hoist stop -t soon
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid timeout "soon"'* ]]
    run hoist start nope
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nope"* ]]
}

@test "rm: only stopped containers, asks without -f, -s stops first, -v removes anonymous volumes" {
    cat >>compose.yaml <<'YAML'
  data:
    image: busybox
    command: "true"
    volumes: [/anon]
YAML
    up
    wait_until field_is demo-data-1 .State.Status exited
    run -0 hoist rm db
    [ "$output" = "No stopped containers" ]
    # No answer on stdin: nothing is removed.
    run hoist rm data </dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *"Going to remove demo-data-1"* ]]
    hoist container inspect demo-data-1 >/dev/null
    echo y | hoist rm data >/dev/null 2>&1
    run hoist container inspect demo-data-1
    [ "$status" -ne 0 ]
    hoist up -d data 2>/dev/null
    wait_until field_is demo-data-1 .State.Status exited
    vol=$(field demo-data-1 '.Mounts[0].Name')
    [ -n "$vol" ]
    run hoist rm -f -v data
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-data-1  Removed"* ]]
    run hoist volume inspect "$vol"
    [ "$status" -ne 0 ]
    run hoist rm -s -f web
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"demo-web-1  Stopped"*"demo-web-1  Removed"* ]]
    run hoist container inspect demo-web-1
    [ "$status" -ne 0 ]
    [ "$(field demo-db-1 .State.Status)" = running ]
    run hoist rm --bogus
    [ "$status" -ne 0 ]
}

@test "pause, unpause: frozen processes, status paused, stop of a paused stack" {
    up
    run hoist pause db
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-db-1  Paused"* ]]
    [ "$(field demo-db-1 .State.Status)" = paused ]
    [ "$(field demo-db-1 .State.Paused)" = true ]
    [ "$(field demo-web-1 .State.Status)" = running ]
    run -0 hoist ps --status paused --format json
    [ "$(echo "$output" | jq -r .Name)" = demo-db-1 ]
    [[ "$(echo "$output" | jq -r .Status)" == *"(Paused)" ]]
    run hoist unpause
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-db-1  Unpaused"* ]]
    [ "$(field demo-db-1 .State.Status)" = running ]
    hoist pause
    [ "$(field demo-web-1 .State.Status)" = paused ]
    run hoist stop -t 1
    [ "$status" -eq 0 ]
    [ "$(field demo-web-1 .State.Status)" = exited ]
    [ "$(field demo-db-1 .State.Status)" = exited ]
    run hoist pause nope
    [ "$status" -ne 0 ]
}

count_past() { # count_past FILE N: the counter in FILE has reached N
    local v
    v=$(cat "$1" 2>/dev/null) && [ -n "$v" ] && [ "$v" -ge "$2" ]
}

@test "container pause/unpause and runtime state: paused, errors on wrong states" {
    # c1 and c2 count alike; c1 is paused: while c2 counts on, c1's count stays. Pause
    # returns once the cgroup reads FROZEN, so nothing of c1 runs after it.
    local loop='i=0; while true; do i=$((i+1)); echo $i >/tmp/n; mv /tmp/n /tmp/t; sleep 0.02; done'
    hoist container run -d --network none --name c1 busybox sh -c "$loop" >/dev/null
    hoist container run -d --network none --name c2 busybox sh -c "$loop" >/dev/null
    wait_until count_past "$RUNROOT/containers/$(field c1 .Id)/rootfs/tmp/t" 1
    run hoist container pause c1
    [ "$status" -eq 0 ]
    [ "$output" = c1 ]
    [ "$(field c1 .State.Status)" = paused ]
    id=$(field c1 .Id)
    [ "$(hoist runtime --root "$RUNROOT/runtime" state "$id" | jq -r .status)" = paused ]
    # Frozen: the loop writes nothing.
    a=$(cat "$RUNROOT/containers/$id/rootfs/tmp/t")
    t2=$RUNROOT/containers/$(field c2 .Id)/rootfs/tmp/t
    wait_until count_past "$t2" 1
    b=$(cat "$t2")
    wait_until count_past "$t2" $((b + 10))
    [ "$(cat "$RUNROOT/containers/$id/rootfs/tmp/t")" = "$a" ]
    run hoist container pause c1
    [ "$status" -ne 0 ]
    [[ "$output" == *"already paused"* ]]
    run hoist runtime --root "$RUNROOT/runtime" delete "$id"
    [ "$status" -ne 0 ]
    [[ "$output" == *"is paused"* ]]
    run hoist container unpause c1
    [ "$status" -eq 0 ]
    [ "$(field c1 .State.Status)" = running ]
    wait_until count_past "$RUNROOT/containers/$id/rootfs/tmp/t" $((a + 1))
    run hoist container unpause c1
    [ "$status" -ne 0 ]
    [[ "$output" == *"not paused"* ]]
    run hoist runtime --root "$RUNROOT/runtime" resume "$id"
    [ "$status" -ne 0 ]
    [[ "$output" == *"not paused"* ]]
    hoist container pause c1 >/dev/null
    run hoist container rm -f c1 c2
    [ "$status" -eq 0 ]
    run hoist container pause nope
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such container: nope"* ]]
}

@test "images, top, port" {
    up
    run hoist images
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^CONTAINER\ +REPOSITORY\ +TAG\ +IMAGE\ ID\ +SIZE$ ]]
    [[ "${lines[1]}" =~ ^demo-db-1\ +busybox\ +latest\ +[0-9a-f]{12}\ +[0-9.]+[kMG]?B$ ]]
    run -0 hoist images -q
    [ "${#lines[@]}" -eq 1 ]
    run -0 hoist images --format json
    [ "$(echo "$output" | jq -r '.[1].ContainerName')" = demo-web-1 ]
    run hoist top db
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = demo-db-1 ]
    [[ "$output" == *"while true"* ]]
    run hoist port web 80
    [ "$status" -eq 0 ]
    [ "$output" = "0.0.0.0:18080" ]
    run hoist port web 81
    [ "$status" -ne 0 ]
    [[ "$output" == *"no port 81/tcp for container demo-web-1"* ]]
    run hoist port --protocol sctp web 80
    [ "$status" -ne 0 ]
    run hoist port web
    [ "$status" -ne 0 ]
    run hoist port nope 80
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nope"* ]]
}

@test "wait: the first container's exit code; --down-project" {
    cat >>compose.yaml <<'YAML'
  job:
    image: busybox
    command: sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 3'
YAML
    up
    # wait, started before the job may end; the job ends once the test lets it.
    "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" --cgroup-parent "$CGPARENT" wait job \
        >"$TESTDIR/wait.out" 2>&1 &
    waiter=$!
    hoist exec -T job touch /tmp/go
    rc=0
    wait $waiter || rc=$?
    cat "$TESTDIR/wait.out"
    [ "$rc" -eq 3 ]
    run hoist wait
    [ "$status" -ne 0 ]
    [[ "$output" == *"requires at least 1 SERVICE"* ]]
    hoist start job 2>/dev/null
    run hoist wait --down-project job
    [ "$status" -eq 3 ]
    run -0 hoist ps -a -q
    [ -z "$output" ]
}

@test "ls: running projects, -a, -q, --format json; version" {
    up
    run hoist ls
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^NAME\ +STATUS\ +CONFIG\ FILES$ ]]
    [[ "${lines[1]}" =~ ^demo\ +running\(2\)\ +$TESTDIR/p/compose.yaml$ ]]
    hoist stop web 2>/dev/null
    hoist container run -d --network none --name other --label com.docker.compose.project=aaa \
        --label com.docker.compose.service=x busybox sleep 300 >/dev/null
    run -0 hoist ls
    [[ "${lines[1]}" =~ ^aaa\ +running\(1\)\ *$ ]]
    [[ "${lines[2]}" =~ ^demo\ +exited\(1\),\ running\(1\)\  ]]
    hoist container rm -f other >/dev/null
    hoist stop 2>/dev/null
    run -0 hoist ls -q
    [ -z "$output" ]
    run -0 hoist ls -a --format json
    [ "$(echo "$output" | jq -r '.[0].Status')" = "exited(2)" ]
    [ "$(echo "$output" | jq -r '.[0].Name')" = demo ]
    run hoist ls extra
    [ "$status" -ne 0 ]
    run -0 hoist version
    [[ "$output" =~ ^hoist\ compose\ version\ v[0-9] ]]
    run -0 hoist version --short
    [[ "$output" =~ ^[0-9]+\.[0-9]+ ]]
    run -0 hoist version --format json
    [[ "$(echo "$output" | jq -r .version)" =~ ^v[0-9] ]]
    run hoist version --format xml
    [ "$status" -ne 0 ]
}

@test "every verb: --help prints its usage, an unknown flag fails naming it" {
    for cmd in ps logs exec start stop restart kill rm pause unpause images top port wait ls version; do
        run hoist $cmd --help
        [ "$status" -eq 0 ] || { echo "$cmd --help: $output"; false; }
        [[ "${lines[0]}" == "Usage: hoist $cmd"* ]] || { echo "$cmd: $output"; false; }
        run hoist $cmd --bogus
        [ "$status" -ne 0 ] || { echo "$cmd --bogus passed"; false; }
        [ "$status" -eq 16 ] || { echo "$cmd --bogus: $status"; false; }
        [[ "$output" == *'unknown flag: --bogus'* ]] || { echo "$cmd: $output"; false; }
    done
    # Unknown services, with the stack's file present.
    for cmd in logs start stop restart kill rm pause unpause images top wait; do
        run hoist $cmd nope
        [ "$status" -ne 0 ] || { echo "$cmd nope passed"; false; }
        [[ "$output" == *"no such service: nope"* ]] || { echo "$cmd: $output"; false; }
    done
}
