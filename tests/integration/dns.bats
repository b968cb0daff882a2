#!/usr/bin/env bats
# The DNS responder of a network (hoist-dns): names and aliases of the endpoints,
# relaying to the nameservers of a resolv.conf that points at a fake upstream on
# 127.0.0.5 inside the test's namespace, and its life with the network. The
# "containers" are `sleep`s in network namespaces of their own, made here.

load helpers
bats_require_minimum_version 1.5.0

TOOL="/usr/bin/python3 $BATS_TEST_DIRNAME/dns_tool.py"

setup() {
    hoist_setup
    NSPIDS=()
    UPSTREAM=
    printf 'nameserver 127.0.0.5\nsearch corp.example\n' >"$TESTDIR/resolv.conf"
    export HOIST_DNS_RESOLV_CONF=$TESTDIR/resolv.conf
}

# Process $1 is gone or a zombie.
exited() {
    [ ! -d /proc/$1 ] || [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = Z ]
}

no_responders() {
    [ "$(responders)" -eq 0 ]
}

# The fake upstream; its command line names $TESTDIR, so the leak check sees it too.
start_upstream() {
    cp "$BATS_TEST_DIRNAME/dns_tool.py" "$TESTDIR/upstream.py"
    /usr/bin/python3 "$TESTDIR/upstream.py" serve 127.0.0.5 "$TESTDIR/upstream.log" \
        >"$TESTDIR/upstream.out" 3>&- &
    UPSTREAM=$!
    wait_until grep -q ready "$TESTDIR/upstream.out" && return
    echo "fake upstream did not start" >&2
    return 1
}

mkns() {
    unshare --net sleep 600 3>&- &
    NSPID=$!
    NSPIDS+=("$NSPID")
    while [ "$(readlink /proc/$NSPID/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
}

in_ns() {
    local pid=$1
    shift
    nsenter --net=/proc/$pid/ns/net "$@"
}

# q SERVER NAME [args]: the tool's one-line answer.
q() {
    $TOOL query "$@"
}

dns_pid() {
    cat "$ROOT/networks/$1.dns.pid"
}

# hoist-dns processes of this test: responders, or with "read" their record readers.
responders() {
    local p n=0 comm=hoist-dns
    [ "${1:-}" = read ] && comm=hoist-dns-read
    for p in /proc/[0-9]*; do
        if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "^hoist-dns .*$TESTDIR" &&
            [ "$(cat "$p/comm" 2>/dev/null)" = "$comm" ]; then
            n=$((n + 1))
        fi
    done
    echo $n
}

teardown() {
    local status=0 p n c
    [ -n "$UPSTREAM" ] && kill "$UPSTREAM" 2>/dev/null && wait "$UPSTREAM" 2>/dev/null
    for p in "${NSPIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for n in $(hoist network ls -q 2>/dev/null); do
        for c in $(hoist network inspect "$n" | jq -r '.[0].Containers | keys[]'); do
            hoist network detach --release "$n" "$c" || status=1
        done
        hoist network rm "$n" >/dev/null || status=1
    done
    hoist_teardown || status=1
    return $status
}

@test "dns: names, aliases, a shared alias, search domains, PTR and AAAA" {
    start_upstream
    hoist network create --subnet 10.90.0.0/24 front >/dev/null
    mkns; p1=$NSPID
    mkns; p2=$NSPID
    hoist network attach --pid "$p1" --name web --alias www --alias Api front c1 >/dev/null
    hoist network attach --pid "$p2" --name db --alias www front c2 >/dev/null

    run -0 q 10.90.0.1 web
    [ "$output" = "NOERROR 10.90.0.2" ]
    # From inside the namespaces, as a container would ask.
    [ "$(in_ns "$p2" $TOOL query 10.90.0.1 web)" = "NOERROR 10.90.0.2" ]
    [ "$(in_ns "$p1" $TOOL query 10.90.0.1 db)" = "NOERROR 10.90.0.3" ]
    [ "$(in_ns "$p1" busybox nslookup api 10.90.0.1 | grep -c '^Address: 10.90.0.2')" -eq 1 ]
    # Any case, a trailing dot, the network's name or a search domain as suffix.
    for n in WEB web. Web.front web.front. web.corp.example API.Corp.Example.; do
        [ "$(q 10.90.0.1 "$n")" = "NOERROR 10.90.0.2" ]
    done
    # A name several endpoints hold answers all of them; over TCP as well.
    [ "$(q 10.90.0.1 www)" = "NOERROR 10.90.0.2 10.90.0.3" ]
    [ "$(q --tcp 10.90.0.1 www)" = "NOERROR 10.90.0.2 10.90.0.3" ]
    [ "$(in_ns "$p1" busybox nslookup www 10.90.0.1 | grep -c '^Address: 10.90.0.')" -eq 2 ]
    # Known names have no IPv6 address: NOERROR without answers, never relayed.
    [ "$(q --type aaaa 10.90.0.1 web)" = "NOERROR" ]
    [ "$(q --type mx 10.90.0.1 www)" = "NOERROR" ]
    # Reverse lookups of the network's addresses.
    [ "$(q --type ptr 10.90.0.1 3.0.90.10.in-addr.arpa)" = "NOERROR ptr=db.front" ]
    [ "$(q --type ptr 10.90.0.1 77.0.90.10.in-addr.arpa)" = "NXDOMAIN" ]
    in_ns "$p2" busybox nslookup 10.90.0.2 10.90.0.1 | grep -q 'name = web.front'
    # None of these went upstream.
    [ ! -s "$TESTDIR/upstream.log" ]
    # Names the network does not hold are relayed unchanged.
    [ "$(q 10.90.0.1 webb)" = "NXDOMAIN" ]
    [ "$(q 10.90.0.1 web.other)" = "NXDOMAIN" ]
    [ "$(q 10.90.0.1 UP.example)" = "NOERROR 192.0.2.7" ]
    [ "$(q --tcp 10.90.0.1 up.example)" = "NOERROR 192.0.2.7" ]
    [ "$(in_ns "$p1" busybox nslookup up.example 10.90.0.1 | grep -c '^Address: 192.0.2.7')" -eq 1 ]
    grep -qx webb "$TESTDIR/upstream.log"
    grep -qx UP.example "$TESTDIR/upstream.log"
    grep -qx "up.example tcp" "$TESTDIR/upstream.log"
    # Over UDP an answer too large comes cut, with TC; the client's retry over TCP goes
    # upstream over TCP and gets it all.
    run -0 q 10.90.0.1 big.example
    [[ "$output" == "NOERROR tc 198.51.100.1 "* ]]
    [ "$(echo "$output" | wc -w)" -lt 40 ]
    run -0 q --tcp 10.90.0.1 big.example
    [[ "$output" == "NOERROR 198.51.100.1 "*" 198.51.100.100" ]]
    [ "$(echo "$output" | wc -w)" -eq 101 ]
    grep -qx "big.example tcp" "$TESTDIR/upstream.log"
}

@test "dns: endpoints attached or released later are seen without a restart" {
    start_upstream
    hoist network create --subnet 10.91.0.0/24 front >/dev/null
    mkns; p1=$NSPID
    mkns; p2=$NSPID
    hoist network attach --pid "$p1" --name web front c1 >/dev/null
    pid=$(dns_pid front)
    [ "$(q 10.91.0.1 web)" = "NOERROR 10.91.0.2" ]
    [ "$(q 10.91.0.1 late)" = "NXDOMAIN" ]
    hoist network attach --pid "$p2" --name late --alias web front c2 >/dev/null
    [ "$(q 10.91.0.1 late)" = "NOERROR 10.91.0.3" ]
    [ "$(q 10.91.0.1 web)" = "NOERROR 10.91.0.2 10.91.0.3" ]
    hoist network detach --release front c1
    [ "$(q 10.91.0.1 web)" = "NOERROR 10.91.0.3" ]
    # One responder all along.
    [ "$(dns_pid front)" = "$pid" ]
    [ "$(responders)" -eq 1 ]
}

@test "dns: a name of another network is not answered, nor told to its containers" {
    start_upstream
    hoist network create --subnet 10.92.0.0/24 front >/dev/null
    hoist network create --subnet 10.93.0.0/24 back >/dev/null
    mkns; p1=$NSPID
    mkns; p2=$NSPID
    hoist network attach --pid "$p1" --name web front c1 >/dev/null
    hoist network attach --pid "$p2" --name db back c2 >/dev/null
    [ "$(responders)" -eq 2 ]
    [ "$(q 10.92.0.1 db)" = "NXDOMAIN" ]
    [ "$(q 10.93.0.1 web)" = "NXDOMAIN" ]
    [ "$(q 10.93.0.1 db)" = "NOERROR 10.93.0.2" ]
    # back's container asking front's gateway (a host address it can reach) learns nothing.
    [ "$(in_ns "$p2" $TOOL query 10.92.0.1 web)" = "NXDOMAIN" ]
    [ "$(in_ns "$p1" $TOOL query 10.92.0.1 web)" = "NOERROR 10.92.0.2" ]
}

@test "dns: the default network only relays, an internal network only answers its names" {
    start_upstream
    hoist network create bridge >/dev/null
    hoist network create --internal --subnet 10.94.0.0/24 inner >/dev/null
    mkns; p1=$NSPID
    mkns; p2=$NSPID
    hoist network attach --pid "$p1" --name web bridge c1 >/dev/null
    hoist network attach --pid "$p2" --name db inner c2 >/dev/null
    gw=$(hoist network inspect bridge | jq -r '.[0].IPAM.Config[0].Gateway')
    [ "$(q "$gw" web)" = "NXDOMAIN" ]
    [ "$(q "$gw" up.example)" = "NOERROR 192.0.2.7" ]
    grep -qx web "$TESTDIR/upstream.log"
    [ "$(q 10.94.0.1 db)" = "NOERROR 10.94.0.2" ]
    [ "$(q 10.94.0.1 up.example)" = "SERVFAIL" ]
    ! grep -q db "$TESTDIR/upstream.log" || false
}

@test "dns: SERVFAIL when no nameserver answers" {
    # Nothing listens on 127.0.0.9: the refusal comes back at once.
    printf 'nameserver 127.0.0.9\n' >"$TESTDIR/resolv.conf"
    hoist network create --subnet 10.95.0.0/24 front >/dev/null
    mkns
    hoist network attach --pid "$NSPID" --name web front c1 >/dev/null
    [ "$(q 10.95.0.1 web)" = "NOERROR 10.95.0.2" ]
    # Each answer comes before the responder's 2 s upstream timeout could have passed.
    start=$(date +%s%N)
    [ "$(q 10.95.0.1 up.example)" = "SERVFAIL" ]
    [ $(($(date +%s%N) - start)) -lt 2000000000 ]
    start=$(date +%s%N)
    [ "$(q --tcp 10.95.0.1 up.example)" = "SERVFAIL" ]
    [ $(($(date +%s%N) - start)) -lt 2000000000 ]
    # No nameserver at all.
    hoist network detach --release front c1
    hoist network rm front >/dev/null
    printf '# none\n' >"$TESTDIR/resolv.conf"
    hoist network create --subnet 10.95.0.0/24 front >/dev/null
    hoist network attach --pid "$NSPID" --name web front c1 >/dev/null
    [ "$(q 10.95.0.1 up.example)" = "SERVFAIL" ]
}

@test "dns: the responder is detached from its caller and goes with network rm" {
    hoist network create --subnet 10.96.0.0/24 front >/dev/null
    mkns
    hoist network attach --pid "$NSPID" --name web front c1 >/dev/null
    pid=$(dns_pid front)
    # Its own session, stdio on /dev/null, nothing but its two sockets besides, its
    # watch on the networks directory and its socket to the reader.
    [ "$(awk '{print $6}' /proc/$pid/stat)" != "$(awk '{print $6}' /proc/$$/stat)" ]
    [ "$(ls /proc/$pid/fd | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 6 " ]
    for fd in 0 1 2; do [ "$(readlink /proc/$pid/fd/$fd)" = /dev/null ]; done
    readlink /proc/$pid/fd/3 | grep -q '^socket:'
    [ "$(readlink /proc/$pid/fd/5)" = "anon_inode:inotify" ]
    readlink /proc/$pid/fd/6 | grep -q '^socket:'
    # SIGHUP (bit 1) and SIGPIPE (bit 13) are ignored.
    ign=$((16#$(awk '/^SigIgn/ {print $2}' /proc/$pid/status)))
    [ $((ign & 1)) -eq 1 ] && [ $((ign & 4096)) -eq 4096 ]
    kill -HUP "$pid"
    [ "$(q 10.96.0.1 web)" = "NOERROR 10.96.0.2" ]

    run hoist network rm front
    [ "$status" -eq 1 ]
    [ -d /proc/$pid ] && [ "$(q 10.96.0.1 web)" = "NOERROR 10.96.0.2" ]
    hoist network detach --release front c1
    hoist network rm front
    [ "$(responders)" -eq 0 ]
    [ ! -e "$ROOT/networks/front.dns.pid" ]

    # A relative --root works, and is found again from another directory.
    hoist network create --subnet 10.96.0.0/24 front >/dev/null
    (cd "$TESTDIR" && "$HOIST_BIN" --root root --runroot run network attach --pid "$NSPID" front c1 >/dev/null)
    pid=$(dns_pid front)
    tr '\0' ' ' </proc/$pid/cmdline | grep -q -- "--record $ROOT/networks/front.json "
    hoist network attach --pid "$NSPID" front c1 >/dev/null
    [ "$(dns_pid front)" = "$pid" ] && [ "$(responders)" -eq 1 ]
    # A responder whose record vanished (its --root deleted) exits at the next query.
    mv "$ROOT/networks/front.json" "$TESTDIR/front.json"
    [ "$(RAW_TIMEOUT=1 $TOOL raw 10.96.0.1 123401000001000000000000037765620000010001)" = none ]
    wait_until exited "$pid"
    [ "$(responders)" -eq 0 ] && [ "$(responders read)" -eq 0 ]
    mv "$TESTDIR/front.json" "$ROOT/networks/front.json"
}

@test "dns: concurrent attaches start one responder; a stale pid file is not trusted" {
    hoist network create --subnet 10.97.0.0/24 front >/dev/null
    for i in 1 2 3 4; do mkns; done
    pids=()
    for i in 1 2 3 4; do
        hoist network attach --pid "${NSPIDS[$((i - 1))]}" --name "n$i" front "c$i" >/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    [ "$(responders)" -eq 1 ]
    # The attaches got addresses in any order; each name answers its own.
    for i in 1 2 3 4; do
        ip=$(hoist network inspect front | jq -r ".[0].Containers.c$i.IPv4Address | sub(\"/.*\"; \"\")")
        [ "$(q 10.97.0.1 "n$i")" = "NOERROR $ip" ]
    done
    # A pid file naming some other process (after a reboot, say) starts a new responder.
    for i in 1 2 3 4; do hoist network detach "front" "c$i"; done
    kill "$(dns_pid front)"
    wait_until no_responders
    echo "${NSPIDS[0]}" >"$ROOT/networks/front.dns.pid"
    hoist network attach --pid "${NSPIDS[0]}" front c1 >/dev/null
    [ "$(responders)" -eq 1 ]
    [ "$(dns_pid front)" != "${NSPIDS[0]}" ]
    [ -d "/proc/${NSPIDS[0]}" ]
    ip=$(hoist network inspect front | jq -r '.[0].Containers.c1.IPv4Address | sub("/.*"; "")')
    [ "$(q 10.97.0.1 n1)" = "NOERROR $ip" ]
}

@test "dns: port 53 of the gateway taken: attach fails, names the cause, leaves nothing" {
    hoist network create --subnet 10.98.0.0/24 front >/dev/null
    mkns
    /usr/bin/python3 -c 'import socket,sys,time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.98.0.1", 53))
print("ready", flush=True)
time.sleep(60)' "$TESTDIR" >"$TESTDIR/holder.out" 3>&- &
    holder=$!
    wait_until grep -q ready "$TESTDIR/holder.out"
    run hoist network attach --pid "$NSPID" --name web front c1
    kill "$holder"
    wait "$holder" || true
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"DNS responder: bind 10.98.0.1 port 53/udp: Address already in use"* ]]
    [ "$(ip -br link | grep -c '^vh')" -eq 0 ]
    ! in_ns "$NSPID" ip link show eth0 2>/dev/null || false
    [ "$(responders)" -eq 0 ]
    # Once the port is free, the next attach succeeds.
    hoist network attach --pid "$NSPID" --name web front c1 >/dev/null
    [ "$(q 10.98.0.1 web)" = "NOERROR 10.98.0.2" ]
}

@test "dns: malformed packets get FORMERR or nothing, and do not stop the responder" {
    start_upstream
    hoist network create --subnet 10.99.0.0/24 front >/dev/null
    mkns
    hoist network attach --pid "$NSPID" --name web front c1 >/dev/null
    pid=$(dns_pid front)
    hdr=123401000001000000000000
    # A compression pointer to itself, a label running past the end, a reserved label
    # type, a missing type/class, no question, two questions.
    [ "$($TOOL raw 10.99.0.1 "${hdr}c00c")" = FORMERR ]
    [ "$($TOOL raw 10.99.0.1 "${hdr}0377")" = FORMERR ]
    [ "$($TOOL raw 10.99.0.1 "${hdr}4000")" = FORMERR ]
    [ "$($TOOL raw 10.99.0.1 "${hdr}0377656200")" = FORMERR ]
    [ "$($TOOL raw 10.99.0.1 123401000000000000000000)" = FORMERR ]
    [ "$($TOOL raw 10.99.0.1 "123401000002000000000000037765620000010001")" = FORMERR ]
    # Too short for a header, and a response: no reply at all.
    [ "$(RAW_TIMEOUT=1 $TOOL raw 10.99.0.1 1234)" = none ]
    [ "$(RAW_TIMEOUT=1 $TOOL raw 10.99.0.1 "123481000001000000000000037765620000010001")" = none ]
    # Another opcode (a NOTIFY).
    [ "$($TOOL raw 10.99.0.1 "123420000001000000000000037765620000010001")" = NOTIMP ]
    # Over TCP: a message too short for a header is dropped, a length beyond any query
    # closes the connection; other clients are served all along.
    printf '\000\005hello\377\377\000\001' | timeout 5 busybox nc 10.99.0.1 53 >/dev/null || true
    [ -d /proc/$pid ] && [ "$(dns_pid front)" = "$pid" ]
    [ "$(q 10.99.0.1 web)" = "NOERROR 10.99.0.2" ]
    [ "$(q --tcp 10.99.0.1 web)" = "NOERROR 10.99.0.2" ]
    [ ! -s "$TESTDIR/upstream.log" ]
}
