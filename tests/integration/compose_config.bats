#!/usr/bin/env bats
# hoist config: golden models, output forms, and errors of bad input.

load helpers
bats_require_minimum_version 1.5.0

GOLDEN=$(cd "$BATS_TEST_DIRNAME/../compose/golden" && pwd -P)

setup() {
    TESTDIR=$(mktemp -d /tmp/hoist-test.XXXXXX)
    ROOT=$TESTDIR/root RUNROOT=$TESTDIR/run CGPARENT=hoist-test-${TESTDIR##*.}
    mkdir -p "$ROOT" "$RUNROOT" "$TESTDIR/p"
    export TESTDIR ROOT RUNROOT CGPARENT
}

teardown() {
    hoist_teardown
}

# A clean environment, so the caller's variables cannot change the model.
hc() {
    env -i HOME=/home/tester PATH="$PATH" "$HOIST_BIN" --root "$ROOT" --runroot "$RUNROOT" config "$@"
}

@test "golden models match expected.json" {
    for d in "$GOLDEN"/*/; do
        d=${d%/}
        run bash -c "cd '$d' && env -i HOME=/home/tester '$HOIST_BIN' config --format json 2>/dev/null"
        [ "$status" -eq 0 ] || { echo "$d: exit $status"; return 1; }
        got=$(printf '%s' "$output" | jq -S .)
        want=$(sed "s|\\\$DIR|$d|g" "$d/expected.json" | jq -S .)
        [ "$got" = "$want" ] || { echo "$d differs"; diff <(echo "$want") <(echo "$got"); return 1; }
    done
}

@test "YAML output reads back as the same model" {
    for d in "$GOLDEN"/*/; do
        cd "$d"
        hc >"$TESTDIR/out.yaml" 2>/dev/null
        hc --format json 2>/dev/null | jq -S . >"$TESTDIR/a.json"
        hc -f - --format json <"$TESTDIR/out.yaml" 2>/dev/null | jq -S . >"$TESTDIR/b.json"
        diff "$TESTDIR/a.json" "$TESTDIR/b.json"
    done
}

@test "list forms: services, volumes, networks, images, profiles" {
    cd "$TESTDIR/p"
    cat >compose.yaml <<'Y'
name: demo
services:
  web:
    build: .
    depends_on: [db]
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
  debug:
    image: busybox
    profiles: [dev, tools]
volumes:
  data:
Y
    run hc --services
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'db\nweb')" ]
    run -0 hc --volumes
    [ "$output" = "data" ]
    run -0 hc --networks
    [ "$output" = "default" ]
    run -0 hc --images
    [ "$output" = "$(printf 'postgres:16\ndemo-web')" ]
    run -0 hc --profiles
    [ "$output" = "$(printf 'dev\ntools')" ]
    run -0 hc --profile dev --services
    [ "$output" = "$(printf 'db\ndebug\nweb')" ]
    run hc --hash '*'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" =~ ^db\ [0-9a-f]{64}$ ]]
    run hc --hash nope
    [ "$status" -ne 0 ]
    [[ "$output" == *"no such service: nope"* ]]
}

@test "-q validates silently, -o writes a file, --variables lists defaults" {
    cd "$TESTDIR/p"
    printf 'services:\n  a:\n    image: ${IMG:-busybox}\n    command: ${CMD:?need CMD}\n' >compose.yaml
    run env -i CMD=true "$HOIST_BIN" config -q
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    env -i CMD=true "$HOIST_BIN" config -o out.yaml
    grep -q 'image: busybox' out.yaml
    run env -i CMD=true "$HOIST_BIN" config --variables
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == NAME* ]]
    [[ "$output" == *"IMG"*"false"*"busybox"* ]]
    [[ "$output" == *"CMD"*"true"* ]]
    run env -i "$HOIST_BIN" config -q
    [ "$status" -ne 0 ]
    [ "$output" = 'hoist: compose.yaml:4:14: services.a.command: required variable CMD is missing a value: need CMD' ]
}

@test "bad compose files fail with file:line:col and a non-zero exit" {
    cd "$TESTDIR/p"
    printf 'services:\n  web:\n    image: x\n    ports:\n      - "80:abc"\n' >compose.yaml
    run hc
    [ "$status" -eq 1 ]
    [ "$output" = 'hoist: compose.yaml:5:9: services.web.ports[0]: invalid port "80:abc"' ]
    printf 'services:\n  web:\n    image: x\n    imgae: y\n' >compose.yaml
    run hc -q
    [ "$status" -eq 1 ]
    [ "$output" = 'hoist: compose.yaml:4:5: services.web: unknown key "imgae" (did you mean "image"?)' ]
    printf 'services:\n  web: [\n' >compose.yaml
    run hc -q
    [ "$status" -eq 1 ]
    [[ "$output" == "hoist: compose.yaml:3:1: YAML syntax error: "* ]]
    printf 'services:\n  a:\n    image: x\n' >compose.yaml
    run hc -p 'Bad Name' -q
    [ "$status" -eq 1 ]
    [[ "$output" == *'invalid project name "Bad Name"'* ]]
    run hc -f missing.yaml
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing.yaml"* ]]
    run hc --format toml
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid --format "toml"'* ]]
    run hc --bogus
    [ "$status" -ne 0 ]
    cd "$TESTDIR"
    rm -rf p
    mkdir -p empty && cd empty
    run hc
    [ "$status" -eq 1 ]
    [[ "$output" == *"no configuration file provided"* ]]
}

@test "-f -, several -f, --project-directory, --env-file, COMPOSE_FILE" {
    cd "$TESTDIR/p"
    printf 'services:\n  a:\n    image: base\n    environment: [X=1]\n' >one.yaml
    printf 'services:\n  a:\n    environment: ["Y=${Y}"]\n' >two.yaml
    printf 'Y=fromfile\n' >my.env
    run bash -c "env -i '$HOIST_BIN' config -f one.yaml -f two.yaml --env-file my.env --format json | jq -c .services.a.environment"
    [ "$status" -eq 0 ]
    [ "$output" = '{"X":"1","Y":"fromfile"}' ]
    run -0 bash -c "env -i COMPOSE_FILE=one.yaml:two.yaml Y=env '$HOIST_BIN' config --format json | jq -c .services.a.environment"
    [ "$output" = '{"X":"1","Y":"env"}' ]
    run -0 bash -c "env -i '$HOIST_BIN' config -f - -p piped --format json <one.yaml | jq -r .name"
    [ "$output" = "piped" ]
    mkdir -p other
    run -0 bash -c "env -i '$HOIST_BIN' config -f one.yaml --project-directory other --format json | jq -r .name"
    [ "$output" = "other" ]
}
