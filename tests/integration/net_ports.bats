#!/usr/bin/env bats
# Published ports: kernel DNAT from the namespace's own addresses, 127.0.0.1, other hosts
# and the network itself. run.sh puts this file in a fresh network namespace (only `lo`):
# an empty bridge (the kernel here has no dummy driver) gives it an address of its own,
# 10.200.0.1. The "containers" are
# `sleep`s in namespaces of their own, serving with busybox httpd and a python UDP echo.

load helpers
bats_require_minimum_version 1.5.0
load netns

PY=/usr/bin/python3

setup() {
    hoist_setup
    NSPIDS=()
    SRVPIDS=()
    ip link add hpdummy type bridge
    ip addr add 10.200.0.1/24 dev hpdummy
    ip link set hpdummy up
    mkdir -p "$TESTDIR/www"
    echo hello-from-ctr >"$TESTDIR/www/index.html"
}

listening() { # listening NSPID -ltn|-lun PORT
    in_ns "$1" busybox netstat "$2" | grep -q ":$3 "
}

fetch_is() { # fetch_is ADDR:PORT TEXT
    [ "$(fetch "$1")" = "$2" ]
}

host_listening() {
    busybox netstat -ltn | grep -q ":$1 "
}

# busybox httpd in the namespace of $1 on port $2, serving $TESTDIR/www.
serve_http() {
    nsenter --net=/proc/$1/ns/net busybox httpd -f -p "$2" -h "$TESTDIR/www" >/dev/null 2>&1 3>&- &
    SRVPIDS+=("$!")
    wait_until listening "$1" -ltn "$2"
}

# A UDP echo ("pong:" + datagram) in the namespace of $1 on port $2.
serve_udp() {
    nsenter --net=/proc/$1/ns/net "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(512)
    s.sendto(b"pong:" + d, a)
' "$2" >/dev/null 2>&1 3>&- &
    SRVPIDS+=("$!")
    wait_until listening "$1" -lun "$2"
}

udp_ping() {
    "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
print(s.recvfrom(512)[0].decode())
' "$1" "$2"
}

# The page at $1 (HOST:PORT), through busybox nc: its static wget crashes in glibc's
# resolver. With a pid first, from that process's network namespace.
fetch() {
    local ns=()
    if [ $# -eq 2 ]; then
        ns=(nsenter --net=/proc/$1/ns/net)
        shift
    fi
    printf 'GET /index.html HTTP/1.0\r\n\r\n' | "${ns[@]}" busybox nc -w 2 "${1%:*}" "${1##*:}" | tail -n 1
}

# The host port recorded for container port $3 (e.g. 80/tcp) of id $2 on network $1.
host_port() {
    hoist network inspect "$1" | jq -r --arg c "$2" --arg p "$3" '.[0].Containers[$c].Ports[$p][0].HostPort'
}

port_tables() {
    nft list tables | grep -c 'hoist-ports-' || true
}

teardown() {
    local p
    for p in "${SRVPIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    hoist container rm -f $(hoist container ps -aq 2>/dev/null) >/dev/null 2>&1
    ip link del hpdummy 2>/dev/null
    ip link del hpc0 2>/dev/null
    netns_teardown
}

@test "tcp and udp: reached from 127.0.0.1 and from the namespace's own address" {
    hoist network create --subnet 10.81.0.0/24 web >/dev/null
    mkns
    run hoist network attach --pid "$NSPID" --publish 8080:80 --publish 5353:53/udp web c1
    [ "$status" -eq 0 ]
    serve_http "$NSPID" 80
    serve_udp "$NSPID" 53
    [ "$(fetch 127.0.0.1:8080)" = hello-from-ctr ]
    [ "$(fetch 10.200.0.1:8080)" = hello-from-ctr ]
    [ "$(udp_ping 127.0.0.1 5353)" = pong:ping ]
    [ "$(udp_ping 10.200.0.1 5353)" = pong:ping ]
    # The gateway is an address of the host too.
    [ "$(fetch 10.81.0.1:8080)" = hello-from-ctr ]
    run -0 hoist network inspect web
    echo "$output" | jq -e '.[0].Containers.c1.Ports == {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"53/udp":[{"HostIp":"0.0.0.0","HostPort":"5353"}]}'
    hif=$(ip -br link | awk '/^vh/ {sub(/@.*/, "", $1); print $1}')
    nft list table ip "hoist-ports-$hif" | grep -q 'tcp dport 8080 dnat to 10.81.0.2:80'
    [ "$(cat /proc/sys/net/ipv4/conf/hoist-$(hoist network inspect web | jq -r '.[0].Id[0:9]')/route_localnet)" = 1 ]

    # Wiring again over existing rules replaces them.
    hoist network attach --pid "$NSPID" web c1 >/dev/null
    [ "$(port_tables)" -eq 1 ]
    [ "$(nft list table ip "hoist-ports-$hif" | grep -c 'dnat to')" -eq 4 ]
    [ "$(fetch 127.0.0.1:8080)" = hello-from-ctr ]

    # Detach removes the rules and keeps the ports; wiring again restores them.
    hoist network detach web c1
    [ "$(port_tables)" -eq 0 ]
    [ -z "$(fetch 127.0.0.1:8080)" ]
    [ "$(host_port web c1 80/tcp)" = 8080 ]
    hoist network attach --pid "$NSPID" web c1 >/dev/null
    serve_http "$NSPID" 80
    [ "$(fetch 127.0.0.1:8080)" = hello-from-ctr ]
    # Release frees them: another endpoint may take 8080 then.
    hoist network detach --release web c1
    [ "$(port_tables)" -eq 0 ]
    run hoist network attach --publish 8080:80 web c2
    [ "$status" -eq 0 ]
    [ "$(host_port web c2 80/tcp)" = 8080 ]
}

@test "random host ports, a host address, ranges" {
    hoist network create --subnet 10.82.0.0/24 web >/dev/null
    mkns
    hoist network attach --pid "$NSPID" --publish 127.0.0.1::80 --publish 81 \
        --publish 9000-9002:82-84 --publish 7000-7010:85 web c1 >/dev/null
    serve_http "$NSPID" 80
    serve_http "$NSPID" 81
    serve_http "$NSPID" 83
    run -0 hoist network inspect web
    echo "$output" | jq -e '.[0].Containers.c1.Ports["80/tcp"][0].HostIp == "127.0.0.1"'
    echo "$output" | jq -e '.[0].Containers.c1.Ports["81/tcp"][0].HostIp == "0.0.0.0"'
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
    p80=$(host_port web c1 80/tcp)
    p81=$(host_port web c1 81/tcp)
    [ "$p80" -ge "$lo" ] && [ "$p80" -le "$hi" ]
    [ "$p81" -ge "$lo" ] && [ "$p81" -le "$hi" ]
    [ "$(host_port web c1 82/tcp)" = 9000 ]
    [ "$(host_port web c1 84/tcp)" = 9002 ]
    [ "$(host_port web c1 85/tcp)" = 7000 ]
    [ "$(fetch 127.0.0.1:$p80)" = hello-from-ctr ]
    # Bound to 127.0.0.1 only.
    [ -z "$(fetch "10.200.0.1:$p80")" ]
    [ "$(fetch 10.200.0.1:$p81)" = hello-from-ctr ]
    [ "$(fetch 127.0.0.1:9001)" = hello-from-ctr ]

    # A range skips what is taken; a random port skips what the host uses.
    hoist network attach --publish 7000-7010:85 web c2 >/dev/null
    [ "$(host_port web c2 85/tcp)" = 7001 ]
}

@test "conflicts: a port held by another endpoint or a host socket is refused, nothing left" {
    hoist network create --subnet 10.83.0.0/24 one >/dev/null
    hoist network create --subnet 10.84.0.0/24 two >/dev/null
    mkns
    hoist network attach --pid "$NSPID" --publish 8080:80 one c1 >/dev/null
    mkns
    run hoist network attach --pid "$NSPID" --publish 8080:80 two c2
    [ "$status" -eq 1 ]
    [[ "$output" == *"network two: Bind for 0.0.0.0:8080 failed: port is already allocated"* ]]
    run hoist network attach --pid "$NSPID" --publish 10.200.0.1:8080:80 one c2
    [ "$status" -eq 1 ]
    [[ "$output" == *"Bind for 10.200.0.1:8080 failed: port is already allocated"* ]]
    run hoist network attach --publish 8080:80/udp --publish 9090:90 --publish 9090:91 one c3
    [ "$status" -eq 1 ]
    [[ "$output" == *"Bind for 0.0.0.0:9090 failed: port is already allocated"* ]]
    hoist network inspect one two | jq -e '[.[].Containers | keys[]] == ["c1"]'
    [ "$(port_tables)" -eq 1 ]
    [ "$(ip -br link | grep -c '^vh')" -eq 1 ]

    # A port a host process listens on.
    busybox nc -l -p 7777 >/dev/null 2>&1 3>&- &
    SRVPIDS+=("$!")
    wait_until host_listening 7777
    run hoist network attach --publish 7777:80 two c4
    [ "$status" -eq 1 ]
    [[ "$output" == *"Bind for 0.0.0.0:7777 failed: Address already in use"* ]]
    run hoist network attach --publish 192.0.2.7:7000:80 two c4
    [ "$status" -eq 1 ]
    [[ "$output" == *"Bind for 192.0.2.7:7000 failed: Cannot assign requested address"* ]]
    hoist network inspect two | jq -e '.[0].Containers == {}'
}

@test "bad specs: docker's messages, non-zero exit, nothing left" {
    hoist network create --subnet 10.85.0.0/24 web >/dev/null
    mkns
    bad() {
        run hoist network attach --pid "$NSPID" --publish "$1" web c1
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"$2"* ]]
    }
    bad '' 'no port specified: <empty>'
    bad '8080:' 'no port specified: 8080:<empty>'
    bad 'abc' 'invalid containerPort: abc'
    bad '0' 'invalid containerPort: 0'
    bad '65536' 'invalid containerPort: 65536'
    bad '90-80' 'invalid containerPort: 90-80'
    bad 'x:80' 'invalid hostPort: x'
    bad '8000-8001:80-82' 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001'
    bad '80/icmp' 'invalid proto: icmp'
    bad '80/sctp' 'protocol sctp is not supported'
    bad '1.2.3.4.5:80:80' 'invalid IP address: 1.2.3.4.5'
    bad '[::1]:80:80' 'IPv6 host address [::1] is not supported'
    hoist network inspect web | jq -e '.[0].Containers == {}'
    [ "$(ip -br link | grep -c '^vh' || true)" -eq 0 ]
    [ "$(port_tables)" -eq 0 ]
    run hoist network attach --publish
    [ "$status" -ne 0 ]
}

@test "hairpin, other containers, other hosts; no rules after detach and network rm" {
    hoist network create --subnet 10.86.0.0/24 web >/dev/null
    mkns
    srv=$NSPID
    hoist network attach --pid "$srv" --publish 8080:80 web c1 >/dev/null
    serve_http "$srv" 80
    # The container reaches its own published port through the host's address.
    [ "$(fetch "$srv" 10.200.0.1:8080)" = hello-from-ctr ]
    # Another container of the network, through the host address and the gateway.
    mkns
    hoist network attach --pid "$NSPID" web c2 >/dev/null
    [ "$(fetch "$NSPID" 10.200.0.1:8080)" = hello-from-ctr ]
    [ "$(fetch "$NSPID" 10.86.0.1:8080)" = hello-from-ctr ]
    # A container of another network, through the host address, but not directly.
    hoist network create --subnet 10.88.0.0/24 other >/dev/null
    mkns
    hoist network attach --pid "$NSPID" other c3 >/dev/null
    [ "$(fetch "$NSPID" 10.200.0.1:8080)" = hello-from-ctr ]
    [ -z "$(fetch "$NSPID" 10.86.0.2:80)" ]
    # Another host: a namespace behind a veth pair, going through prerouting.
    mkns
    cli=$NSPID
    ip link add hpc0 type veth peer name hpc1 netns "/proc/$cli/ns/net"
    ip addr add 10.201.0.1/24 dev hpc0
    ip link set hpc0 up
    in_ns "$cli" ip addr add 10.201.0.2/24 dev hpc1
    in_ns "$cli" ip link set hpc1 up
    in_ns "$cli" ip route add default via 10.201.0.1
    [ "$(fetch "$cli" 10.201.0.1:8080)" = hello-from-ctr ]
    [ "$(fetch "$cli" 10.200.0.1:8080)" = hello-from-ctr ]

    hoist network detach web c1
    [ "$(port_tables)" -eq 0 ]
    hoist network detach --release web c1
    hoist network detach --release web c2
    hoist network detach --release other c3
    hoist network rm web other >/dev/null
    [ "$(nft list ruleset | grep -c dnat)" -eq 0 ]
}

@test "internal networks publish nothing" {
    hoist network create --internal --subnet 10.87.0.0/24 closed >/dev/null
    mkns
    hoist network attach --pid "$NSPID" --publish 8080:80 closed c1 >/dev/null
    hoist network inspect closed | jq -e '.[0].Containers.c1 | has("Ports") | not'
    [ "$(port_tables)" -eq 0 ]
}

@test "container run -p: reachable, random port in inspect, container port, kept across restart" {
    import_busybox
    hoist container run -d --name web -p 8080:80 -p 127.0.0.1::81 -p 5353:53/udp busybox sh -c \
        'mkdir -p /www && echo hello-from-ctr >/www/index.html && httpd -p 81 -h /www && exec httpd -f -p 80 -h /www' >/dev/null
    wait_until fetch_is 127.0.0.1:8080 hello-from-ctr
    [ "$(fetch 127.0.0.1:8080)" = hello-from-ctr ]
    [ "$(fetch 10.200.0.1:8080)" = hello-from-ctr ]
    run hoist container port web
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[0]}" = "53/udp -> 0.0.0.0:5353" ]
    [ "${lines[1]}" = "80/tcp -> 0.0.0.0:8080" ]
    [[ "${lines[2]}" =~ ^81/tcp\ -\>\ 127\.0\.0\.1:[0-9]+$ ]]
    p81=$(hoist container port web 81)
    [ "$(fetch "$p81")" = hello-from-ctr ]
    [ "$(hoist container port web 53/udp)" = 0.0.0.0:5353 ]
    hoist network inspect bridge | jq -e '[.[0].Containers[].Ports["80/tcp"][0].HostPort] == ["8080"]'
    run hoist container port web 82
    [ "$status" -eq 1 ]
    [[ "$output" == *"No public port '82/tcp' published for web"* ]]
    run hoist container port web 70000
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid port "70000"'* ]]
    run hoist container port nothere
    [ "$status" -ne 0 ]

    # Another container cannot take 8080; a restart keeps the random port.
    run hoist container run -d --name other -p 8080:80 busybox sleep 60
    [ "$status" -ne 0 ]
    [[ "$output" == *"Bind for 0.0.0.0:8080 failed: port is already allocated"* ]]
    hoist container stop -t 1 web >/dev/null
    [ "$(port_tables)" -eq 0 ]
    [ -z "$(hoist container port web)" ]
    hoist container start web >/dev/null
    [ "$(hoist container port web 81)" = "$p81" ]
    wait_until fetch_is "$p81" hello-from-ctr
    [ "$(fetch "$p81")" = hello-from-ctr ]
    hoist container rm -f web >/dev/null
    [ "$(port_tables)" -eq 0 ]
    hoist network inspect bridge | jq -e '.[0].Containers == {}'
}
