#!/usr/bin/env bats
# Healthchecks: --health-* options, the image's HEALTHCHECK, docker's status rules as run
# by the monitor, and how ps and inspect show them.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    import_busybox
}

health() {
    hoist container inspect "$1" | jq -r ".[0].State.Health.$2"
}

health_is() {
    [ "$(health "$1" Status)" = "$2" ]
}

# Wait for the health status $2 (helpers.bash wait_until: polls, with a deadline).
wait_health() {
    wait_until health_is "$1" "$2" && return 0
    echo "container $1: health is $(health "$1" Status), not $2" >&2
    hoist container inspect "$1" | jq '.[0].State.Health' >&2
    return 1
}

# Wait until container $1's health log holds at least $2 results.
logged_at_least() {
    [ "$(health "$1" 'Log | length')" -ge "$2" ]
}

nprocs_is() {
    [ "$(nprocs "$1")" = "$2" ]
}

# Processes in the container's pid cgroup.
nprocs() {
    local id
    id=$(hoist container inspect "$1" | jq -r '.[0].Id')
    wc -l <"/sys/fs/cgroup/pids/$CGPARENT/$id/cgroup.procs"
}

@test "a passing check makes the container healthy; the record keeps the options" {
    hoist container run -d --name ok --health-cmd 'echo checked' --health-interval 1m30s \
        --health-timeout 5s --health-start-period 10s --health-start-interval 500ms \
        --health-retries 4 busybox sleep 60
    wait_health ok healthy
    [ "$(health ok FailingStreak)" = 0 ]
    [ "$(health ok 'Log[0].ExitCode')" = 0 ]
    [ "$(health ok 'Log[0].Output')" = checked ]
    hc=$(hoist container inspect ok | jq -cS '.[0].Config.Healthcheck')
    [ "$hc" = '{"Interval":90000000000,"Retries":4,"StartInterval":500000000,"StartPeriod":10000000000,"Test":["CMD-SHELL","echo checked"],"Timeout":5000000000}' ]
    run -0 hoist container ps
    [[ "$output" == *"Up "*" (healthy)"* ]]
    hoist container rm -f ok
}

@test "failures after the start period make it unhealthy after retries; success recovers" {
    hoist container run -d --name bad --health-cmd 'test -e /tmp/fixed' \
        --health-interval 100ms --health-retries 3 busybox sleep 60
    wait_health bad unhealthy
    [ "$(health bad FailingStreak)" -ge 3 ]
    [ "$(health bad 'Log[-1].ExitCode')" = 1 ]
    [ "$(health bad 'Log | length')" -ge 3 ]
    run -0 hoist container ps
    [[ "$output" == *"Up "*" (unhealthy)"* ]]
    hoist container exec bad touch /tmp/fixed
    wait_health bad healthy
    [ "$(health bad FailingStreak)" = 0 ]
    hoist container rm -f bad
}

@test "a check that hangs is killed at its timeout and counts as a failure" {
    hoist container run -d --name hang --health-cmd 'sleep 100' --health-timeout 300ms \
        --health-interval 100ms --health-retries 1 busybox sleep 60
    wait_health hang unhealthy
    [ "$(health hang 'Log[0].ExitCode')" = -1 ]
    [ "$(health hang 'Log[0].Output')" = "Health check exceeded timeout (300ms)" ]
    hoist container stop -t 0 hang
    hoist container rm hang
}

@test "the timed-out probe leaves no process in the container" {
    # The first probe hangs and is killed; a later one passes; the next is an hour away.
    # The killed probe's processes die asynchronously after SIGKILL: wait for the count.
    hoist container run -d --name hang2 \
        --health-cmd 'test -e /tmp/once && exit 0; touch /tmp/once; sleep 100' \
        --health-timeout 200ms --health-start-period 1h --health-start-interval 100ms \
        --health-interval 1h busybox sleep 60
    wait_health hang2 healthy
    [ "$(health hang2 'Log[0].ExitCode')" = -1 ]
    wait_until nprocs_is hang2 1
    hoist container rm -f hang2
}

@test "failures during the start period do not count until the first success" {
    # The check fails until the test makes it pass, once a failure has been recorded.
    hoist container run -d --name slow --health-cmd 'test -e /tmp/ready' \
        --health-start-period 1h --health-start-interval 100ms --health-interval 100ms \
        --health-retries 1 busybox sleep 60
    wait_until logged_at_least slow 2
    [ "$(health slow Status)" = starting ]
    [ "$(health slow FailingStreak)" = 0 ]
    [ "$(health slow 'Log[0].ExitCode')" = 1 ]
    run -0 hoist container ps
    [[ "$output" == *"Up "*" (health: starting)"* ]]
    hoist container exec slow touch /tmp/ready
    wait_health slow healthy
    hoist container rm -f slow
}

@test "CMD-SHELL runs through /bin/sh -c in the container, with its environment" {
    hoist container run -d --name sh -e GREETING=hello \
        --health-cmd 'echo "$GREETING from $(hostname)" && test "$(id -u)" = 1000' \
        --health-start-period 10s -u app busybox sleep 60
    wait_health sh healthy
    out=$(health sh 'Log[0].Output')
    [ "$out" = "hello from $(hoist container inspect sh | jq -r '.[0].Config.Hostname')" ]
    hoist container rm -f sh
}

@test "output keeps the last 4 KiB" {
    hoist container run -d --name big \
        --health-cmd 'i=0; while [ $i -lt 600 ]; do echo "line $i"; i=$((i+1)); done' \
        --health-start-period 10s busybox sleep 60
    wait_health big healthy
    [ "$(hoist container inspect big | jq '.[0].State.Health.Log[0].Output | length')" = 4096 ]
    [[ "$(health big 'Log[0].Output')" == *"line 598"$'\n'"line 599" ]]
    hoist container rm -f big
}

@test "the image's HEALTHCHECK runs; options override its fields; --no-healthcheck disables" {
    hoist image import --change 'HEALTHCHECK --interval=100ms --start-period=10s --retries=2 CMD ["echo", "from image"]' \
        "$BUSYBOX_TAR" hc:latest >/dev/null
    [ "$(hoist image inspect hc | jq -cS '.[0].Config.Healthcheck')" = \
        '{"Interval":100000000,"Retries":2,"StartPeriod":10000000000,"Test":["CMD","echo","from image"]}' ]
    # none starts first: once img, started after it from the same image, has run two
    # checks, none would have run its own.
    hoist container run -d --name none --no-healthcheck hc sleep 60
    [ "$(hoist container inspect none | jq -c '.[0].Config.Healthcheck.Test')" = '["NONE"]' ]
    hoist container run -d --name img hc sleep 60
    wait_health img healthy
    [ "$(health img 'Log[0].Output')" = "from image" ]
    wait_until logged_at_least img 2

    hoist container create --name over --health-retries 7 --health-cmd true hc sleep 60
    [ "$(hoist container inspect over | jq -cS '.[0].Config.Healthcheck')" = \
        '{"Interval":100000000,"Retries":7,"StartPeriod":10000000000,"Test":["CMD-SHELL","true"]}' ]

    [ "$(hoist container inspect none | jq -c '.[0].State.Health')" = null ]
    run -0 hoist container ps
    [[ "$(grep -w none <<<"$output")" != *"health"* ]]
    [ ! -e "$ROOT/containers/$(hoist container inspect none | jq -r '.[0].Id')/health.json" ]
    hoist container rm -f img over none
}

@test "HEALTHCHECK NONE in the image and bad HEALTHCHECK changes" {
    hoist image import --change 'HEALTHCHECK NONE' "$BUSYBOX_TAR" nohc:latest >/dev/null
    [ "$(hoist image inspect nohc | jq -c '.[0].Config.Healthcheck.Test')" = '["NONE"]' ]
    # A reference started after it checks twice; n, had it checks, would have by then.
    hoist container run -d --name n nohc sleep 60
    hoist container run -d --name ref --health-cmd true --health-start-period 1h \
        --health-start-interval 100ms --health-interval 100ms busybox sleep 60
    wait_until logged_at_least ref 2
    [ "$(hoist container inspect n | jq -c '.[0].State.Health')" = null ]
    hoist container rm -f n ref
    run hoist image import --change 'HEALTHCHECK --interval=soon CMD true' "$BUSYBOX_TAR" x:1
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid duration "soon"'* ]]
    run hoist image import --change 'HEALTHCHECK --bogus=1 CMD true' "$BUSYBOX_TAR" x:1
    [ "$status" -ne 0 ]
    [[ "$output" == *"--bogus"* ]]
    run hoist image import --change 'HEALTHCHECK --interval=1s' "$BUSYBOX_TAR" x:1
    [ "$status" -ne 0 ]
    [[ "$output" == *"CMD"* ]]
}

@test "a container without a healthcheck shows none" {
    hoist container run -d --name plain busybox sleep 60
    [ "$(hoist container inspect plain | jq -c '.[0].State.Health')" = null ]
    [ "$(hoist container inspect plain | jq -c '.[0].Config.Healthcheck')" = null ]
    run -0 hoist container ps
    [[ "$output" != *"health"* ]]
    hoist container rm -f plain
}

@test "stop ends the checks and reads unhealthy; start begins at starting again" {
    # No start period: the first check is an interval (an hour) away.
    hoist container run -d --name st --health-cmd true --health-interval 1h busybox sleep 60
    [ "$(health st Status)" = starting ]
    hoist container stop -t 0 st
    [ "$(health st Status)" = unhealthy ]
    hoist container start st
    [ "$(health st Status)" = starting ]
    hoist container rm -f st
}

@test "a restarted container begins at starting again" {
    # The first run exits once the test creates /tmp/go; the check passes until /tmp/ran
    # exists, which the test creates with it, so every failure follows the restart: a
    # healthy container checks again only after its interval, an hour. The log outlives
    # the restart: its second result is the first of the second run.
    hoist container run -d --name rs --restart on-failure \
        --health-cmd 'test ! -e /tmp/ran' --health-start-period 1h \
        --health-start-interval 100ms --health-interval 1h busybox \
        sh -c 'if [ -e /tmp/ran ]; then exec sleep 60; fi
               while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 1'
    wait_health rs healthy
    hoist container exec rs touch /tmp/ran /tmp/go
    wait_until logged_at_least rs 2
    [ "$(hoist container inspect rs | jq '.[0].RestartCount')" -ge 1 ]
    [ "$(health rs Status)" = starting ]
    [ "$(health rs FailingStreak)" = 0 ]
    [ "$(health rs 'Log[-1].ExitCode')" = 1 ]
    hoist container rm -f rs
}

@test "bad healthcheck options: clear error, exit 125, nothing created" {
    run hoist container run -d --health-interval abc busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *'invalid argument "abc" for "--health-interval" flag: invalid duration "abc"'* ]]
    run hoist container create --health-timeout 1x busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *'"--health-timeout"'* ]]
    run hoist container run -d --health-start-period=-1s busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"--health-start-period cannot be negative"* ]]
    run hoist container run -d --health-retries -1 busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"--health-retries cannot be negative"* ]]
    run hoist container run -d --health-retries many busybox true
    [ "$status" -eq 125 ]
    run hoist container run -d --health-start-interval 500us --health-cmd true busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"healthcheck start interval cannot be less than 1ms"* ]]
    run hoist container run -d --no-healthcheck --health-cmd true busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]]
    run -0 hoist container ps -aq
    [ -z "$output" ]
    [ -z "$(ls "$ROOT/containers" | grep -v '^\.names$')" ]
    [ -z "$(ls "$ROOT/containers/.names" 2>/dev/null)" ]
}
