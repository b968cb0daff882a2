#!/usr/bin/env bats
# hoist up: convergence by labels, dependency conditions, scale, orphans, --wait,
# attached output and interrupts.

load helpers

setup() {
    compose_setup
}

teardown() {
    compose_teardown
}

# field CONTAINER JQ: one value of its inspect
# Container $1 has a health check result.
health_logged() {
    [ "$(hoist container inspect "$1" | jq '.[0].State.Health.Log | length')" -ge 1 ]
}

status_is() { # status_is CONTAINER STATUS
    [ "$(field "$1" .State.Status 2>/dev/null)" = "$2" ]
}

field() {
    hoist container inspect "$1" | jq -r ".[0]$2"
}

# The hoist process itself in the background (not a subshell running the function), so
# signals reach it; its pid in $pid.
hoist_bg() {
    "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" --cgroup-parent "$CGPARENT" "$@" &
    pid=$!
}

names() {
    hoist container ps -a --format json | jq -r '.Names' | sort | tr '\n' ' '
}

two_services() {
    cat >compose.yaml <<EOF
name: demo
services:
  db:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    environment:
      LEVEL: "${1:-1}"
  web:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    depends_on: [db]
EOF
}

@test "up -d starts every service; down removes containers and networks" {
    two_services
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(field demo-db-1 .State.Status)" = running ]
    [ "$(field demo-web-1 .State.Status)" = running ]
    [ "$(field demo-web-1 '.Config.Labels["com.docker.compose.project"]')" = demo ]
    [ "$(field demo-web-1 '.Config.Labels["com.docker.compose.service"]')" = web ]
    [ "$(field demo-web-1 '.Config.Labels["com.docker.compose.container-number"]')" = 1 ]
    [ "$(field demo-web-1 '.Config.Labels["com.docker.compose.depends_on"]')" = "db:service_started:false" ]
    hoist network inspect demo_default >/dev/null
    run hoist down -t 0
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ -z "$(hoist container ps -aq)" ]
    run hoist network inspect demo_default
    [ "$status" -ne 0 ]
    # twice in a row is fine
    run hoist down -t 0
    [ "$status" -eq 0 ]
}

@test "a second up with nothing changed leaves the containers alone" {
    two_services
    hoist up -d 2>/dev/null
    id1=$(field demo-db-1 .Id) t1=$(field demo-db-1 .State.StartedAt)
    id2=$(field demo-web-1 .Id) t2=$(field demo-web-1 .State.StartedAt)
    run hoist up -d --progress plain
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-db-1  Running"* ]]
    [ "$(field demo-db-1 .Id)" = "$id1" ]
    [ "$(field demo-db-1 .State.StartedAt)" = "$t1" ]
    [ "$(field demo-web-1 .Id)" = "$id2" ]
    [ "$(field demo-web-1 .State.StartedAt)" = "$t2" ]
}

@test "a changed environment recreates only that service; stopped ones are started" {
    two_services 1
    hoist up -d 2>/dev/null
    db=$(field demo-db-1 .Id) web=$(field demo-web-1 .Id)
    two_services 2
    run hoist up -d --progress plain
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Container demo-db-1  Recreated"* ]]
    [ "$(field demo-db-1 .Id)" != "$db" ]
    [ "$(field demo-web-1 .Id)" = "$web" ]
    [[ "$(field demo-db-1 .Config.Env)" == *LEVEL=2* ]]
    hoist container stop -t 0 demo-web-1 >/dev/null
    hoist up -d 2>/dev/null
    [ "$(field demo-web-1 .Id)" = "$web" ]
    [ "$(field demo-web-1 .State.Status)" = running ]
    run hoist up -d --force-recreate --progress plain web
    [ "$status" -eq 0 ]
    [ "$(field demo-web-1 .Id)" != "$web" ]
}

@test "service_healthy gates the start of a dependent" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  db:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 100ms
      start_interval: 100ms
      start_period: 1h
  web:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    depends_on:
      db: {condition: service_healthy}
EOF
    # db turns healthy only when the test creates /tmp/ready in it, after its first
    # failed check: up must still be waiting then, with web not started.
    hoist_bg up -d --progress plain >"$TESTDIR/out" 2>&1
    wait_until health_logged demo-db-1
    [ "$(field demo-db-1 .State.Health.Status)" = starting ]
    run -0 hoist container ps --format json
    [[ "$output" != *demo-web-1* ]]
    kill -0 $pid
    t=$(date +%s.%N)
    hoist container exec demo-db-1 touch /tmp/ready
    rc=0
    wait $pid || rc=$?
    cat "$TESTDIR/out"
    [ "$rc" -eq 0 ]
    grep -q "Container demo-db-1  Healthy" "$TESTDIR/out"
    web=$(date -d "$(field demo-web-1 .State.StartedAt)" +%s.%N)
    awk -v a="$t" -v b="$web" 'BEGIN { exit !(b > a) }'
}

@test "a dependency failing its healthcheck fails up naming it; down cleans all" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  db:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      start_interval: 100ms
      retries: 1
  web:
    image: busybox
    command: sleep 300
    depends_on:
      db: {condition: service_healthy}
EOF
    run hoist up -d --progress plain
    [ "$status" -ne 0 ]
    [[ "$output" == *"container demo-db-1 is unhealthy"* ]]
    run hoist container inspect demo-web-1
    [ "$status" -ne 0 ]
    run hoist down -t 0
    [ "$status" -eq 0 ]
    [ -z "$(hoist container ps -aq)" ]
    [ -z "$(hoist network ls -q 2>/dev/null | grep demo)" ]
}

@test "service_completed_successfully waits for the exit; a failure names the service" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  init:
    image: busybox
    command: sh -c 'exit ${CODE:-0}'
  web:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    depends_on:
      init: {condition: service_completed_successfully}
EOF
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(field demo-web-1 .State.Status)" = running ]
    hoist down -t 0 2>/dev/null
    CODE=3 run hoist up -d
    [ "$status" -ne 0 ]
    [[ "$output" == *"service \"init\" didn't complete successfully: exit 3"* ]]
}

@test "a dependency cycle is an error and creates nothing" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  a: {image: busybox, depends_on: [b]}
  b: {image: busybox, depends_on: [a]}
EOF
    run hoist up -d
    [ "$status" -ne 0 ]
    [[ "$output" == *"cycle"* ]]
    [ -z "$(hoist container ps -aq)" ]
    [ -z "$(ls "$ROOT/networks" 2>/dev/null | grep demo)" ]
}

@test "bad input: unknown service, bad --scale, bad --pull, missing image" {
    two_services
    run hoist up -d nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nosuch"* ]]
    run hoist up -d --scale web=x
    [ "$status" -ne 0 ]
    [[ "$output" == *"invalid --scale"* ]]
    run hoist up -d --pull sometimes
    [ "$status" -eq 125 ]
    run hoist up -d --force-recreate --no-recreate
    [ "$status" -eq 125 ]
    sed -i 's/image: busybox$/image: nosuchimage/' compose.yaml
    run hoist up -d --pull never
    [ "$status" -ne 0 ]
    [[ "$output" == *"nosuchimage"* ]]
    [ -z "$(hoist container ps -aq)" ]
}

@test "--scale up and down; scaling down removes the highest numbers" {
    two_services
    run hoist up -d --scale web=3
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(names)" = "demo-db-1 demo-web-1 demo-web-2 demo-web-3 " ]
    w1=$(field demo-web-1 .Id)
    hoist up -d --scale web=1 2>/dev/null
    [ "$(names)" = "demo-db-1 demo-web-1 " ]
    [ "$(field demo-web-1 .Id)" = "$w1" ]
}

@test "orphans are reported, and removed with --remove-orphans" {
    two_services
    hoist up -d 2>/dev/null
    cat >compose.yaml <<'EOF'
name: demo
services:
  db:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    environment:
      LEVEL: "1"
EOF
    run hoist up -d
    [ "$status" -eq 0 ]
    [[ "$output" == *"Found orphan containers ([demo-web-1])"* ]]
    [ "$(field demo-web-1 .State.Status)" = running ]
    run hoist up -d --remove-orphans
    [ "$status" -eq 0 ]
    [ "$(names)" = "demo-db-1 " ]
}

@test "--wait returns once healthy; --wait fails on a container that exits" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  db:
    image: busybox
    command: sh -c 'sleep 0.5; touch /tmp/ready; exec sleep 300'
    stop_signal: KILL
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 100ms
      start_interval: 100ms
      start_period: 1h
EOF
    run hoist up --wait
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(hoist container inspect demo-db-1 | jq -r '.[0].State.Health.Status')" = healthy ]
    hoist down -t 0 2>/dev/null
    cat >compose.yaml <<'EOF'
name: demo
services:
  gone:
    image: busybox
    command: sh -c 'sleep 0.5; exit 4'
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      start_period: 1h
EOF
    run hoist up --wait
    [ "$status" -ne 0 ]
    [[ "$output" == *"demo-gone-1 exited (4)"* ]]
    hoist down -t 0 2>/dev/null
    sed -i 's/sleep 0.5; exit 4/sleep 300/' compose.yaml
    start=$(date +%s)
    # A check failing within an hour's start period: only the timeout ends the wait,
    # after a second, where the start period would take an hour.
    run hoist up --wait --wait-timeout 1
    [ "$status" -ne 0 ]
    [[ "$output" == *"timed out"* ]]
    [ $(($(date +%s) - start)) -lt 300 ]
}

@test "attached up: prefixed output, --abort-on-container-exit, --exit-code-from" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  server:
    image: busybox
    command: sleep 300
    stop_signal: KILL
  client:
    image: busybox
    command: sh -c 'echo hello from client; exit 7'
EOF
    run hoist up --abort-on-container-exit --no-color
    [ "$status" -eq 7 ] || { echo "$output"; false; }
    [[ "$output" == *"client-1  | hello from client"* ]]
    [[ "$output" == *"client-1 exited with code 7"* ]]
    [ "$(field demo-server-1 .State.Status)" = exited ]
    run hoist up --exit-code-from server --no-color
    [ "$status" -eq 137 ] || { echo "$output"; false; }
    run hoist up --no-color --no-log-prefix client
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n'"hello from client"* || "$output" == "hello from client"* ]]
}

@test "Ctrl-C during attached up stops everything and exits 130" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  a: {image: busybox, command: sleep 300, stop_grace_period: 1s}
  b: {image: busybox, command: sleep 300, stop_grace_period: 1s, depends_on: [a]}
EOF
    hoist_bg up --no-color >"$TESTDIR/out" 2>&1
    wait_until status_is demo-b-1 running
    kill -INT $pid
    wait $pid && rc=0 || rc=$?
    cat "$TESTDIR/out"
    [ "$rc" -eq 130 ]
    grep -q "Gracefully stopping" "$TESTDIR/out"
    [ "$(field demo-a-1 .State.Status)" = exited ]
    [ "$(field demo-b-1 .State.Status)" = exited ]
}

@test "down after an up killed half-way leaves nothing behind" {
    cat >compose.yaml <<'EOF'
name: demo
services:
  db:
    image: busybox
    command: sleep 300
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      start_period: 1h
  web:
    image: busybox
    command: sleep 300
    depends_on:
      db: {condition: service_healthy}
    volumes: [data:/data]
volumes:
  data: {}
EOF
    hoist_bg up -d >/dev/null 2>&1
    wait_until status_is demo-db-1 running
    kill -KILL $pid
    rc=0
    wait $pid || rc=$?
    [ "$rc" -eq 137 ]
    run hoist down -t 0 -v
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ -z "$(hoist container ps -aq)" ]
    [ -z "$(hoist volume ls -q 2>/dev/null)" ]
}
