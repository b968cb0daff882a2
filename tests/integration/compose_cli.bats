#!/usr/bin/env bats
# docker compose's command line: its options before the verb (`hoist -f F -p P up`), after
# it, and after `hoist compose`, with the same effect; COMPOSE_* variables; its error
# texts and exit statuses; --dry-run creating nothing.

load helpers

setup() {
    compose_setup
    cat >other.yml <<'YAML'
services:
  db:
    image: busybox
    command: sh -c 'while true; do sleep 0.1; done'
    stop_signal: KILL
  web:
    image: busybox
    command: sh -c 'echo web-out; while true; do sleep 0.1; done'
    stop_signal: KILL
    depends_on: [db]
  tool:
    image: busybox
    profiles: [tools]
YAML
}

teardown() {
    hoist -f other.yml -p demo down -t 0 -v --remove-orphans >/dev/null 2>&1 || true
    compose_teardown
}

state() {
    hoist container inspect "$1" 2>/dev/null | jq -r '.[0].State.Status // empty'
}

# The three ways of giving the project: before the verb, after it, after `hoist compose`.
FORMS=(before after compose)

# Run a compose verb in form $1: hc FORM VERB [ARGS...].
hc() {
    local form=$1 verb=$2
    shift 2
    case $form in
    before) hoist -f other.yml -p demo "$verb" "$@" ;;
    after) hoist "$verb" --file other.yml --project-name demo "$@" ;;
    compose) hoist compose -f other.yml -p demo "$verb" "$@" ;;
    esac
}

@test "every verb on a stack, its options before the verb, after it and after compose" {
    for form in "${FORMS[@]}"; do
        run hc "$form" up -d
        [ "$status" -eq 0 ] || { echo "$form up: $output"; false; }
        [ "$(state demo-web-1)" = running ] || { echo "$form: web not running"; false; }
        run hc "$form" ps --services
        [ "$output" = "$(printf 'db\nweb')" ] || { echo "$form ps: $output"; false; }
        run hc "$form" config --services
        [ "$output" = "$(printf 'db\nweb')" ] || { echo "$form config: $output"; false; }
        run hc "$form" logs --no-log-prefix web
        [ "$output" = web-out ] || { echo "$form logs: $output"; false; }
        run hc "$form" exec -T web echo in-web
        [ "$output" = in-web ] || { echo "$form exec: $output"; false; }
        run hc "$form" images -q
        [ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 1 ] || { echo "$form images: $output"; false; }
        run hc "$form" top web
        [ "$status" -eq 0 ] || { echo "$form top: $output"; false; }
        run hc "$form" ls -q
        [ "$output" = demo ] || { echo "$form ls: $output"; false; }
        hc "$form" pause web 2>/dev/null
        [ "$(state demo-web-1)" = paused ] || { echo "$form pause"; false; }
        hc "$form" unpause web 2>/dev/null
        [ "$(state demo-web-1)" = running ] || { echo "$form unpause"; false; }
        hc "$form" stop web 2>/dev/null
        [ "$(state demo-web-1)" = exited ] || { echo "$form stop"; false; }
        hc "$form" start web 2>/dev/null
        [ "$(state demo-web-1)" = running ] || { echo "$form start"; false; }
        hc "$form" restart web 2>/dev/null
        [ "$(state demo-web-1)" = running ] || { echo "$form restart"; false; }
        # kill only sends the signal: wait is what sees the container gone.
        hc "$form" kill web 2>/dev/null
        run hc "$form" wait web
        [ "$status" -eq 137 ] || { echo "$form wait: $status $output"; false; }
        [ "$(state demo-web-1)" = exited ] || { echo "$form kill"; false; }
        hc "$form" rm -f web >/dev/null 2>&1
        [ -z "$(state demo-web-1)" ] || { echo "$form rm"; false; }
        run hc "$form" run --rm -T web echo one-off
        [ "$status" -eq 0 ] && [ "${lines[-1]}" = one-off ] || { echo "$form run: $output"; false; }
        hc "$form" create web 2>/dev/null
        [ "$(state demo-web-1)" = created ] || { echo "$form create"; false; }
        hc "$form" down -t 0 2>/dev/null
        [ -z "$(hoist container ps -aq)" ] || { echo "$form down left containers"; false; }
    done
    # The project's options may also sit on both sides: the later ones win, files add up.
    run hoist -p other -f other.yml config --format json -p demo
    [ "$(echo "$output" | jq -r .name)" = demo ]
    run hoist version --short
    [ "$status" -eq 0 ]
    [ "$(hoist compose version --short)" = "$output" ]
}

@test "options before the verb mix with hoist's own: --root, --profile, --env-file, --project-directory" {
    echo 'TAG=fromenv' >alt.env
    run "$HOIST_BIN" -f other.yml --root "$ROOT" --profile tools -p demo --runroot "$RUNROOT" \
        --cgroup-parent "$CGPARENT" --env-file alt.env config --services
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$output" = "$(printf 'db\ntool\nweb')" ]
    mkdir sub
    mv other.yml sub/compose.yaml
    run hoist --project-directory sub -p demo config --services
    [ "$output" = "$(printf 'db\nweb')" ] || { echo "$output"; false; }
    run hoist --parallel 2 --progress plain --ansi never --compatibility --all-resources \
        --project-directory sub -p demo config --services
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "COMPOSE_FILE with COMPOSE_PATH_SEPARATOR, COMPOSE_PROJECT_NAME, COMPOSE_PROFILES, COMPOSE_ENV_FILES, COMPOSE_PARALLEL_LIMIT" {
    printf 'services:\n  extra:\n    image: busybox:${TAG}\n' >extra.yml
    echo 'TAG=one' >a.env
    echo 'TAG=two' >b.env
    run env COMPOSE_FILE="other.yml;extra.yml" COMPOSE_PATH_SEPARATOR=";" \
        COMPOSE_PROJECT_NAME=envproj COMPOSE_PROFILES=tools COMPOSE_ENV_FILES=a.env,b.env \
        "$HOIST_BIN" --root "$ROOT" compose config --format json
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(echo "$output" | jq -r .name)" = envproj ]
    [ "$(echo "$output" | jq -r '.services | keys | join(",")')" = db,extra,tool,web ]
    [ "$(echo "$output" | jq -r .services.extra.image)" = busybox:two ]
    # --env-file replaces the variable's list, as the variable is only its default.
    run env COMPOSE_FILE=other.yml:extra.yml COMPOSE_ENV_FILES=b.env \
        "$HOIST_BIN" --root "$ROOT" --env-file a.env config --format json
    [ "$(echo "$output" | jq -r .services.extra.image)" = busybox:one ] || { echo "$output"; false; }
    run env COMPOSE_PARALLEL_LIMIT=lots "$HOIST_BIN" --root "$ROOT" -f other.yml config -q
    [ "$status" -eq 125 ]
    [[ "$output" == *'invalid --parallel "lots"'* ]]
}

@test "unknown and conflicting options: docker compose's texts and statuses" {
    run hoist up --bogus
    [ "$status" -eq 16 ]
    [[ "${lines[0]}" == "hoist up: unknown flag: --bogus" ]]
    run hoist compose --bogus up
    [ "$status" -eq 16 ]
    [[ "$output" == *"unknown flag: --bogus"* ]]
    run hoist compose -f other.yml nosuchverb
    [ "$status" -eq 16 ]
    [[ "$output" == *'unknown docker command: "compose nosuchverb"'* ]]
    run hoist -f
    [ "$status" -eq 125 ]
    [[ "$output" == *"flag needs an argument: 'f' in -f"* ]]
    run hoist compose up -x
    [ "$status" -eq 16 ]
    [[ "$output" == *"unknown shorthand flag: 'x' in -x"* ]]
    run hoist ps --file
    [ "$status" -eq 16 ]
    [[ "$output" == *"flag needs an argument: --file"* ]]
    run hoist -f other.yml up -d --abort-on-container-exit
    [ "$status" -eq 125 ]
    [[ "$output" == *"--detach cannot be combined with --abort-on-container-exit"* ]]
    run hoist -f other.yml up --wait --exit-code-from web
    [ "$status" -eq 125 ]
    [[ "$output" == *"--wait cannot be combined with"* ]]
    run hoist --progress sideways -f other.yml up -d
    [ "$status" -eq 125 ]
    [[ "$output" == *'unsupported --progress value "sideways"'* ]]
    run hoist compose --ansi sometimes -f other.yml ps
    [ "$status" -eq 125 ]
    [[ "$output" == *'unsupported --ansi value "sometimes"'* ]]
    run hoist -f other.yml config --services --volumes
    [ "$status" -eq 125 ]
    [[ "$output" == *"exclude each other"* ]]
    # docker's own commands keep docker's status and its See line.
    run hoist container run --bogus busybox
    [ "$status" -eq 125 ]
    [ "${lines[0]}" = "hoist container run: unknown flag: --bogus" ]
    [ "${lines[1]}" = "See 'hoist container run --help'." ]
    [ -z "$(hoist container ps -aq)" ]
}

@test "--dry-run: the plan in docker compose's words, nothing created, stopped or removed" {
    run hoist --dry-run -f other.yml -p demo up -d --progress plain
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"DRY-RUN MODE -  Network demo_default  Created"* ]]
    [[ "$output" == *"DRY-RUN MODE -  Container demo-db-1  Created"* ]]
    [[ "$output" == *"DRY-RUN MODE -  Container demo-web-1  Started"* ]]
    [ -z "$(hoist container ps -aq)" ]
    [ -z "$(ls "$ROOT/networks" 2>/dev/null | grep demo)" ]
    run hoist compose --dry-run -f other.yml -p demo run --rm web true
    [ "$status" -eq 0 ]
    [[ "$output" == *"Container demo-web-run  Created"* ]]
    [ -z "$(hoist container ps -aq)" ]
    hoist -f other.yml -p demo up -d 2>/dev/null
    for verb in stop kill pause rm restart; do
        run hoist -f other.yml -p demo --progress plain --dry-run "$verb" web
        [ "$status" -eq 0 ] || { echo "$verb: $output"; false; }
        [[ "$output" == *"DRY-RUN MODE -  Container demo-web-1"* ]] || { echo "$verb: $output"; false; }
        [ "$(state demo-web-1)" = running ] || { echo "$verb changed the container"; false; }
    done
    run hoist -f other.yml -p demo down --dry-run --progress plain
    [[ "$output" == *"DRY-RUN MODE -  Container demo-web-1  Removed"* ]]
    [[ "$output" == *"DRY-RUN MODE -  Network demo_default  Removed"* ]]
    [ "$(state demo-db-1)" = running ]
    [ "$(state demo-web-1)" = running ]
}
