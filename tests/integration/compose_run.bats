#!/usr/bin/env bats
# hoist run / create: one-off containers of a service and their dependencies.

load helpers

setup() {
    compose_setup
    cat >compose.yaml <<'YAML'
name: demo
services:
  db:
    image: busybox
    command: sleep 300
    stop_signal: KILL
  app:
    image: busybox
    command: echo from-command
    environment:
      FROM_FILE: "yes"
    depends_on: [db]
YAML
}

teardown() {
    compose_teardown
}

@test "run --rm: the command's exit code, dependencies started, nothing left of it" {
    run hoist run --rm -T app sh -c 'echo "$FROM_FILE $EXTRA"; exit 5' -e EXTRA=x
    [ "$status" -eq 5 ]
    [[ "$output" == *"yes"* ]]
    [ "$(hoist container inspect demo-db-1 | jq -r '.[0].State.Status')" = running ]
    # only db remains: the one-off container was removed
    [ "$(hoist container ps -aq | wc -l)" -eq 1 ]
}

@test "run: -e, -w, -u, --entrypoint, the service's command by default" {
    run hoist run --rm -T -e EXTRA=1 -w /tmp -u 1000 app sh -c 'echo "$EXTRA $(pwd) $(id -u)"'
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"1 /tmp 1000"* ]]
    run hoist run --rm -T --no-deps app
    [ "$status" -eq 0 ]
    [[ "$output" == *"from-command"* ]]
    run hoist run --rm -T --entrypoint echo app hello
    [ "$status" -eq 0 ]
    [[ "$output" == *"hello"* ]]
}

@test "run --no-deps starts nothing else; a one-off name and label; down removes it" {
    run hoist run -T --no-deps app true
    [ "$status" -eq 0 ]
    run hoist container inspect demo-db-1
    [ "$status" -ne 0 ]
    name=$(hoist container ps -a --format json | jq -r '.Names')
    [[ "$name" =~ ^demo-app-run-[0-9a-f]{12}$ ]]
    [ "$(hoist container inspect "$name" | jq -r '.[0].Config.Labels["com.docker.compose.oneoff"]')" = True ]
    run hoist down -t 0
    [ "$status" -eq 0 ]
    [ -z "$(hoist container ps -aq)" ]
}

@test "run -d prints the name; --name sets it" {
    run hoist run -d --name custom db
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = custom ]
    [ "$(hoist container inspect custom | jq -r '.[0].State.Status')" = running ]
}

@test "run: bad input is an error" {
    run hoist run --rm nosuch true
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nosuch"* ]]
    run hoist run
    [ "$status" -eq 125 ]
    run hoist run --rm -d app true
    [ "$status" -eq 125 ]
    # docker compose's flag error: its text and CommandSyntaxFailure's exit status.
    run hoist run --bogus app
    [ "$status" -eq 16 ]
    [[ "$output" == *"unknown flag: --bogus"* ]]
    [ -z "$(hoist container ps -aq)" ]
}

@test "create makes the containers without starting them; up starts them" {
    run hoist create
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(hoist container inspect demo-db-1 | jq -r '.[0].State.Status')" = created ]
    [ "$(hoist container inspect demo-app-1 | jq -r '.[0].State.Status')" = created ]
    id=$(hoist container inspect demo-db-1 | jq -r '.[0].Id')
    hoist up -d db 2>/dev/null
    [ "$(hoist container inspect demo-db-1 | jq -r '.[0].State.Status')" = running ]
    [ "$(hoist container inspect demo-db-1 | jq -r '.[0].Id')" = "$id" ]
}
