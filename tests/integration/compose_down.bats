#!/usr/bin/env bats
# hoist down: reverse order, volumes, orphans, services, and partial state.

load helpers

setup() {
    compose_setup
    cat >compose.yaml <<'YAML'
name: demo
services:
  db:
    image: busybox
    command: sh -c 'trap "echo db-stopped >>/shared/order; exit 0" TERM; while true; do sleep 0.1; done'
    volumes: [shared:/shared, /anon]
  web:
    image: busybox
    command: sh -c 'trap "echo web-stopped >>/shared/order; exit 0" TERM; while true; do sleep 0.1; done'
    volumes: [shared:/shared]
    depends_on: [db]
networks:
  default: {}
volumes:
  shared: {}
YAML
}

teardown() {
    compose_teardown
}

@test "down stops dependents first, keeps volumes; -v removes named and anonymous ones" {
    hoist up -d 2>/dev/null
    [ "$(hoist volume ls -q | wc -l)" -eq 2 ]
    run hoist down
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ -z "$(hoist container ps -aq)" ]
    [ "$(cat "$ROOT/volumes/demo_shared/_data/order" | tr '\n' ' ')" = "web-stopped db-stopped " ]
    # without -v the named volume stays (the anonymous one too, as docker)
    hoist volume inspect demo_shared >/dev/null
    hoist up -d 2>/dev/null
    [ "$(hoist volume ls -q | wc -l)" -eq 3 ]
    run hoist down -v -t 1
    [ "$status" -eq 0 ]
    run hoist volume inspect demo_shared
    [ "$status" -ne 0 ]
    # the anonymous volume of the first container was released by the first down, as
    # docker's: only the one the last container held goes
    [ "$(hoist volume ls -q | wc -l)" -eq 1 ]
    hoist volume rm "$(hoist volume ls -q)" >/dev/null
}

@test "down SERVICE removes only that service; networks stay until the last down" {
    hoist up -d 2>/dev/null
    run hoist down -t 0 web
    [ "$status" -eq 0 ]
    run hoist container inspect demo-web-1
    [ "$status" -ne 0 ]
    [ "$(hoist container inspect demo-db-1 | jq -r '.[0].State.Status')" = running ]
    hoist network inspect demo_default >/dev/null
}

@test "down with nothing up, twice, and with bad options" {
    run hoist down
    [ "$status" -eq 0 ]
    run hoist down
    [ "$status" -eq 0 ]
    run hoist down --rmi bogus
    [ "$status" -eq 125 ]
    run hoist down -t x
    [ "$status" -eq 125 ]
    run hoist down nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nosuch"* ]]
}

@test "down reports orphans and removes them with --remove-orphans" {
    hoist up -d 2>/dev/null
    sed -i '/^  web:/,/depends_on/d' compose.yaml
    run hoist down -t 0
    [ "$status" -eq 0 ]
    [[ "$output" == *"orphan containers ([demo-web-1])"* ]]
    [[ "$output" == *"Network demo_default  Resource is still in use"* ]]
    [ "$(hoist container inspect demo-web-1 | jq -r '.[0].State.Status')" = running ]
    run hoist down -t 0 --remove-orphans
    [ "$status" -eq 0 ]
    [ -z "$(hoist container ps -aq)" ]
}

@test "down --rmi all removes the services' images" {
    hoist up -d 2>/dev/null
    run hoist down -t 0 --rmi all
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run hoist image inspect busybox
    [ "$status" -ne 0 ]
}
