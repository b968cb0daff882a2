# Local registries for the pull tests: Debian's docker-registry on a loopback address,
# optionally with htpasswd auth or TLS, and the proxy that misbehaves in front of one.

REGFIX=$BATS_TEST_DIRNAME/../fixtures/registry

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # wait_port HOST PORT: until something accepts connections there
    wait_until python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 10)' \
        "$1" "$2" 2>/dev/null
}

# registry_start NAME ADDR PORT [EXTRA_YAML]: a registry serving ADDR:PORT from
# $TESTDIR/NAME; its pid goes to $TESTDIR/NAME.pid for registry_stop_all.
registry_start() {
    local name=$1 addr=$2 port=$3 extra=${4:-}
    cat >"$TESTDIR/$name.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $TESTDIR/$name
http:
  addr: $addr:$port
$extra
log:
  level: error
YML
    docker-registry serve "$TESTDIR/$name.yml" >"$TESTDIR/$name.log" 2>&1 3>&- &
    echo $! >"$TESTDIR/$name.pid"
    wait_port "$addr" "$port"
}

# The test's store, and a registry at $REG (127.0.0.1:$REGPORT).
registry_setup() {
    hoist_setup
    REGPORT=$(free_port)
    registry_start registry 127.0.0.1 "$REGPORT"
    REG=127.0.0.1:$REGPORT
}

registry_teardown() {
    registry_stop_all
    hoist_teardown
}

registry_stop_all() {
    local f
    for f in "$TESTDIR"/*.pid; do
        [ -f "$f" ] || continue
        kill "$(cat "$f")" 2>/dev/null
        while kill -0 "$(cat "$f")" 2>/dev/null; do sleep 0.02; done
        rm -f "$f"
    done
}

proxy() { # proxy MODE: start the proxy in front of the registry; $PROXY is its address
    local port
    port=$(free_port)
    python3 "$REGFIX/proxy.py" "$port" "$REGPORT" "$TESTDIR/proxy.log" "$1" 3>&- &
    echo $! >"$TESTDIR/proxy-$port.pid"
    wait_port 127.0.0.1 "$port"
    PROXY=127.0.0.1:$port
}

assert_store_empty() {
    [ -z "$(hoist image ls -q)" ]
    [ -z "$(ls "$ROOT/images/layers" 2>/dev/null)" ]
    [ -z "$(ls "$ROOT/images/tmp" 2>/dev/null)" ]
}
