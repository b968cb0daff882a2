#!/usr/bin/env bats
# One-shot services (migrations, seeding) under `up --wait`, `wait` and `run`: a service
# another waits on with service_completed_successfully is done once it exited 0, as in
# docker compose since v2.7.

load helpers

setup() {
    compose_setup
}

teardown() {
    compose_teardown
}

status_of() {
    hoist container inspect "$1" | jq -r '.[0].State.Status + " " + (.[0].State.ExitCode | tostring)'
}

# migrate writes a flag into a shared volume after a moment, then exits with $CODE;
# app needs it done; db is a plain long-running service.
migrate_stack() {
    cat >compose.yaml <<'EOF2'
name: demo
services:
  migrate:
    image: busybox
    command: sh -c 'sleep 0.5; echo migrated >/data/flag; exit ${CODE:-0}'
    volumes: [data:/data]
  db:
    image: busybox
    command: sleep 300
    stop_signal: KILL
  app:
    image: busybox
    command: sleep 300
    stop_signal: KILL
    volumes: [data:/data]
    depends_on:
      migrate: {condition: service_completed_successfully}
      db: {condition: service_started}
volumes:
  data: {}
EOF2
}

@test "up -d --wait succeeds once the one-shot exited 0 and the others run" {
    migrate_stack
    run hoist up -d --wait
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(status_of demo-migrate-1)" = "exited 0" ]
    [ "$(status_of demo-app-1)" = "running 0" ]
    [ "$(status_of demo-db-1)" = "running 0" ]
    # a second up --wait finds the one-shot already done
    run hoist up -d --wait
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "up -d --wait: a failing one-shot fails the wait with its code" {
    migrate_stack
    CODE=3 run hoist up -d --wait
    [ "$status" -ne 0 ]
    [[ "$output" == *"service \"migrate\" didn't complete successfully: exit 3"* ]]
    [ "$(status_of demo-migrate-1)" = "exited 3" ]
}

@test "up -d --wait: a service nobody waits on that exits fails the wait, even with 0" {
    cat >compose.yaml <<'EOF2'
name: demo
services:
  job:
    image: busybox
    command: sh -c 'sleep 0.3'
    # never healthy, so the wait is still polling when it exits
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      start_period: 20s
  web:
    image: busybox
    command: sleep 300
    stop_signal: KILL
EOF2
    run hoist up -d --wait
    [ "$status" -ne 0 ]
    [[ "$output" == *"container demo-job-1 exited (0)"* ]]
}

@test "wait: a one-shot's exit code, 0 once it completed" {
    migrate_stack
    hoist up -d migrate 2>/dev/null
    run hoist wait migrate
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(status_of demo-migrate-1)" = "exited 0" ]
    hoist down -t 0 2>/dev/null
    CODE=5 hoist up -d migrate 2>/dev/null
    run hoist wait migrate
    [ "$status" -eq 5 ]
}

@test "run waits for its dependencies' conditions; a failed one-shot stops it" {
    migrate_stack
    # the flag exists only once migrate has completed
    run hoist run --rm -T app cat /data/flag
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *migrated* ]]
    [ "$(status_of demo-migrate-1)" = "exited 0" ]
    hoist down -t 0 -v 2>/dev/null
    CODE=7 run hoist run --rm -T app cat /data/flag
    [ "$status" -ne 0 ]
    [[ "$output" == *"service \"migrate\" didn't complete successfully: exit 7"* ]]
    # no one-off container was made: only migrate and db are there
    [ "$(hoist container ps -aq | wc -l)" -eq 2 ]
}

@test "run --no-deps does not wait for dependencies" {
    migrate_stack
    run hoist run --rm -T --no-deps app echo alone
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *alone* ]]
    [ "$(hoist container ps -aq | wc -l)" -eq 0 ]
}
