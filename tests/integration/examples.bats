#!/usr/bin/env bats
# The stacks of examples/, end to end, as a user runs them (and as scripts/demo.sh runs
# the first): each answers, and `down` leaves nothing behind.

load helpers
bats_require_minimum_version 1.5.0

EXAMPLES=$BATS_TEST_DIRNAME/../../examples

setup() {
    hoist_setup
    import_busybox hoist-examples/busybox:latest
}

teardown() {
    for d in web app tests; do
        (cd "$EXAMPLES/$d" && hoist down -t 0 -v >/dev/null 2>&1) || true
    done
    hoist_teardown
}

# fetch URL: the body, retrying while the service comes up (wait_until's deadline)
fetch() {
    wait_until curl -fsS -m 30 -o "$TESTDIR/body" "$1" 2>/dev/null || {
        echo "no answer from $1" >&2
        return 1
    }
    cat "$TESTDIR/body"
}

client_got() {
    hoist container logs web-client-1 2>&1 | grep -q "client got: hello from the web service"
}

# The front's page shows the worker's count past $1.
count_past() {
    local out
    out=$(fetch http://127.0.0.1:8081/cgi-bin/index) || return 1
    COUNT=${out##*count=}
    [[ "$COUNT" =~ ^[0-9]+$ ]] && [ "$COUNT" -gt "$1" ]
}

@test "web: served on the published port, and the client reaches it by service name" {
    cd "$EXAMPLES/web"
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run -0 fetch http://127.0.0.1:8080/
    [ "$output" = "hello from the web service" ]
    wait_until client_got
    run -0 hoist container logs web-client-1
    [[ "$output" == *"client got: hello from the web service"* ]]
    run hoist down
    [ "$status" -eq 0 ]
    [ -z "$(hoist container ps -aq)" ]
    ! hoist network inspect web_default >/dev/null 2>&1 || false
}

@test "app: healthcheck-gated tiers, .env values, the worker's counter in a named volume" {
    cd "$EXAMPLES/app"
    run hoist up -d --wait
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    # The front's port and the api's greeting come from .env.
    run -0 fetch http://127.0.0.1:8081/cgi-bin/index
    [[ "$output" == "front says: hello from the api, count="* ]]
    # The worker's first count may not be written yet: wait for one, then for more.
    wait_until count_past -1
    first=$COUNT
    wait_until count_past "$first"
    # The store was healthy before its dependents were created.
    store=$(hoist container inspect app-store-1 | jq -r '.[0].State.Health.Status')
    [ "$store" = healthy ]
    hoist volume inspect app_data >/dev/null
    run hoist down -v
    [ "$status" -eq 0 ]
    ! hoist volume inspect app_data >/dev/null 2>&1 || false
    [ -z "$(hoist container ps -aq)" ]
}

@test "tests: run.sh passes the test suite's exit code through, and cleans up" {
    H="$HOIST_BIN --root $ROOT --runroot $RUNROOT --cgroup-parent $CGPARENT"
    run "$EXAMPLES/tests/run.sh" "$H"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"ok - app answers by service name"* ]]
    [[ "$output" == *"ok - the service name resolves through DNS"* ]]
    [ -z "$(hoist container ps -aq)" ]
    # A failing check becomes the command's exit code.
    cp -r "$EXAMPLES/tests" "$TESTDIR/failing"
    echo "check 'a check that fails' false" >"$TESTDIR/extra"
    sed -i '/^exit /e cat '"$TESTDIR/extra" "$TESTDIR/failing/suite.sh"
    run "$TESTDIR/failing/run.sh" "$H"
    [ "$status" -eq 1 ]
    [[ "$output" == *"not ok - a check that fails"* ]]
    [ -z "$(hoist container ps -aq)" ]
}
