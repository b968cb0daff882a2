#!/usr/bin/env bats
# IPv6 networks: subnets, addresses beside IPv4, routes, isolation and rules.
# Same setup as net.bats: "containers" are `sleep`s in network namespaces made here.

load helpers
bats_require_minimum_version 1.5.0

load netns

@test "--ipv6: a unique local /64, gateway on the bridge, endpoints reach each other and the gateway" {
    hoist network create --ipv6 --subnet 10.91.0.0/24 v6 >/dev/null
    rec=$(hoist network inspect v6)
    [ "$(echo "$rec" | jq -r '.[0].EnableIPv6')" = true ]
    sub6=$(echo "$rec" | jq -r '.[0].IPAM.Config[1].Subnet')
    gw6=$(echo "$rec" | jq -r '.[0].IPAM.Config[1].Gateway')
    [[ "$sub6" == fd*::/64 ]]
    [ "$gw6" = "${sub6%/64}1" ]
    br=$(echo "$rec" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
    ip -6 addr show dev "$br" | grep -qF "$gw6/64"
    nft list table ip6 "$br" | grep -q masquerade
    [ "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ]

    mkns; a=$NSPID
    mkns; b=$NSPID
    hoist network attach --pid "$a" v6 a >/dev/null
    hoist network attach --pid "$b" v6 b >/dev/null
    a6=$(hoist network inspect v6 | jq -r '.[0].Containers.a.IPv6Address')
    b6=$(hoist network inspect v6 | jq -r '.[0].Containers.b.IPv6Address')
    # The IPv6 host part is the IPv4 one.
    [ "$a6" = "${sub6%/64}2/64" ]
    [ "$b6" = "${sub6%/64}3/64" ]
    in_ns "$a" ip -6 addr show dev eth0 | grep -qF "$a6"
    in_ns "$a" ip -6 route | grep -q "default via $gw6"
    in_ns "$a" busybox ping -6 -c1 -W30 "${b6%/64}"
    in_ns "$b" busybox ping -6 -c1 -W30 "$gw6"
    # IPv4 still works beside it.
    in_ns "$a" busybox ping -c1 -W30 10.91.0.3
    hoist network detach --release v6 a
    hoist network detach --release v6 b
}

@test "IPv6: given subnets, isolation between networks, internal networks have no way out" {
    hoist network create --ipv6 --subnet fd00:aa::/64 --subnet 10.92.0.0/24 n1 >/dev/null
    hoist network create --ipv6 --subnet fd00:bb::/64 --subnet 10.93.0.0/24 n2 >/dev/null
    hoist network create --ipv6 --internal --subnet fd00:cc::/64 --subnet 10.94.0.0/24 in >/dev/null
    mkns; a=$NSPID
    mkns; b=$NSPID
    mkns; c=$NSPID
    hoist network attach --pid "$a" n1 a >/dev/null
    hoist network attach --pid "$b" n2 b >/dev/null
    hoist network attach --pid "$c" in c >/dev/null
    in_ns "$a" busybox ping -6 -c1 -W30 fd00:aa::1
    ! in_ns "$a" busybox ping -6 -c1 -W1 fd00:bb::2 || false
    ! in_ns "$b" busybox ping -6 -c1 -W1 fd00:aa::2 || false
    ! in_ns "$c" ip -6 route | grep -q default || false
    ! in_ns "$a" busybox ping -6 -c1 -W1 fd00:cc::2 || false
    # The drop is the rule's doing: without the ip6 tables the same packets pass.
    for n in n1 n2; do
        nft delete table ip6 "$(hoist network inspect $n | jq -r '.[0].Options["com.docker.network.bridge.name"]')"
    done
    in_ns "$a" busybox ping -6 -c1 -W30 fd00:bb::2
    for n in n1:a n2:b in:c; do hoist network detach --release ${n%:*} ${n#*:}; done
}

@test "IPv6 bad input: malformed, host bits, too long a prefix, overlap, no --ipv6" {
    run hoist network create --ipv6 --subnet fd00:zz::/64 x
    [ "$status" -ne 0 ]
    [[ "$output" == *'invalid IPv6 subnet "fd00:zz::/64"'* ]]
    run hoist network create --ipv6 --subnet fd00:1::5/64 x
    [ "$status" -ne 0 ]
    [[ "$output" == *"host bits set (did you mean fd00:1::/64?)"* ]]
    run hoist network create --ipv6 --subnet fd00:1::/112 x
    [ "$status" -ne 0 ]
    [[ "$output" == *"/96 or shorter"* ]]
    run hoist network create --subnet fd00:1::/64 x
    [ "$status" -ne 0 ]
    [[ "$output" == *"needs --ipv6"* ]]
    hoist network create --ipv6 --subnet fd00:1::/64 ok >/dev/null
    run hoist network create --ipv6 --subnet fd00:1::/48 x
    [ "$status" -ne 0 ]
    [[ "$output" == *"overlaps network ok"* ]]
    run hoist network inspect x
    [ "$status" -ne 0 ]
    [ "$(hoist network ls -q | wc -l)" = 1 ]
}

@test "IPv6 for containers: address and gateway in inspect, reachable; compose enable_ipv6" {
    import_busybox
    hoist network create --ipv6 --subnet fd00:dd::/64 --subnet 10.95.0.0/24 c6 >/dev/null
    hoist container run -d --name s --network c6 busybox sleep 60 >/dev/null
    n=$(hoist container inspect s | jq -c '.[0].NetworkSettings.Networks.c6')
    [ "$(echo "$n" | jq -r .GlobalIPv6Address)" = fd00:dd::2 ]
    [ "$(echo "$n" | jq -r .GlobalIPv6PrefixLen)" = 64 ]
    [ "$(echo "$n" | jq -r .IPv6Gateway)" = fd00:dd::1 ]
    run hoist container run --rm --network c6 busybox ping -6 -c1 -W30 fd00:dd::2
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    hoist container rm -f s >/dev/null

    mkdir -p "$TESTDIR/p" && cd "$TESTDIR/p"
    cat >compose.yaml <<'YAML'
name: six
services:
  a:
    image: busybox
    command: sleep 60
    stop_signal: KILL
    networks: [n]
networks:
  n:
    enable_ipv6: true
    ipam:
      config:
        - subnet: fd00:ee::/64
YAML
    hoist up -d 2>/dev/null
    [ "$(hoist network inspect six_n | jq -r '.[0].EnableIPv6')" = true ]
    [ "$(hoist container inspect six-a-1 | jq -r '.[0].NetworkSettings.Networks.six_n.GlobalIPv6Address')" = fd00:ee::2 ]
    hoist down -t 0 2>/dev/null
    ! hoist network inspect six_n >/dev/null 2>&1 || false
}

@test "IPv6: the network's DNS responder answers AAAA with the endpoints' IPv6 addresses" {
    hoist network create --ipv6 --subnet fd00:ab::/64 --subnet 10.96.0.0/24 d6 >/dev/null
    mkns; a=$NSPID
    mkns; b=$NSPID
    hoist network attach --pid "$a" --alias web d6 a >/dev/null
    hoist network attach --pid "$b" --alias web d6 b >/dev/null
    tool="/usr/bin/python3 $BATS_TEST_DIRNAME/dns_tool.py"
    run $tool query --type aaaa 10.96.0.1 web
    [ "$status" -eq 0 ]
    [ "$output" = "NOERROR fd00:ab::2 fd00:ab::3" ]
    run -0 $tool query 10.96.0.1 web
    [ "$output" = "NOERROR 10.96.0.2 10.96.0.3" ]
    hoist network detach --release d6 a
    hoist network detach --release d6 b
}
