#!/usr/bin/env bats
# Networks: records, bridges, veth pairs into namespaces of our own, nftables rules.
# run.sh puts this file in a fresh network namespace; the "containers" are `sleep`s in
# namespaces of their own, made here.

load helpers
bats_require_minimum_version 1.5.0

load netns

@test "create, ls, inspect, rm: bridge with gateway, record, rules" {
    run hoist network create --label team=a --label solo one
    [ "$status" -eq 0 ]
    id=$output
    [ ${#id} -eq 64 ]
    br=hoist-${id:0:9}
    ip -br addr show dev "$br" | grep -q '10.89.0.1/24'
    ip -br link show dev "$br" | grep -q 'UP'
    nft list table ip "$br" | grep -q 'ip saddr 10.89.0.0/24 oifname != "'"$br"'" masquerade'

    hoist network create --subnet 10.77.0.0/16 --gateway 10.77.0.254 --ip-range 10.77.3.0/24 two >/dev/null
    run -0 hoist network ls
    [ "${lines[0]}" = "NETWORK ID     NAME                 DRIVER    SCOPE" ]
    echo "$output" | grep -Eq "^${id:0:12}   one +bridge +local$"
    run -0 hoist network ls -q
    [ "${#lines[@]}" -eq 2 ]
    run -0 hoist network ls --format json
    echo "${lines[0]}" | jq -e '.Name == "one" and .Labels == "team=a,solo=" and .Driver == "bridge"'

    run -0 hoist network inspect two
    echo "$output" | jq -e '.[0].IPAM.Config[0] == {"Subnet":"10.77.0.0/16","Gateway":"10.77.0.254","IPRange":"10.77.3.0/24"}'
    # Inspect by id prefix.
    hoist network inspect "${id:0:6}" | jq -e '.[0].Name == "one" and .[0].Labels.team == "a"'

    run hoist network rm one "${id:0:3}x"
    [ "$status" -eq 1 ]
    echo "$output" | grep -qx one
    [[ "$output" == *"network ${id:0:3}x not found"* ]]
    ! ip link show dev "$br" 2>/dev/null || false
    ! nft list table ip "$br" 2>/dev/null || false
    run hoist network rm -f nothere
    [ "$status" -eq 0 ]
}

@test "subnets: the pool skips used subnets and host routes" {
    ip link add hoist-troute type bridge
    ip addr add 10.89.1.1/24 dev hoist-troute
    ip link set hoist-troute up
    hoist network create a >/dev/null
    hoist network create b >/dev/null
    ip link del hoist-troute
    run hoist network inspect a b
    [ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Subnet')" = 10.89.0.0/24 ]
    [ "$(echo "$output" | jq -r '.[1].IPAM.Config[0].Subnet')" = 10.89.2.0/24 ]

    HOIST_NET_POOLS="base=172.31.0.0/24,size=26" hoist network create c >/dev/null
    hoist network inspect c | jq -e '.[0].IPAM.Config[0].Subnet == "172.31.0.0/26"'

    HOIST_NET_POOLS="base=172.31.0.0/26,size=26" run hoist network create d
    [ "$status" -eq 1 ]
    [[ "$output" == *"all address pools are in use"* ]]
    HOIST_NET_POOLS="base=172.31.0.0/26" run hoist network create d
    [ "$status" -eq 1 ]
    [[ "$output" == *'want base=A.B.C.D/N,size=M'* ]]
}

@test "create refuses bad input" {
    hoist network create --subnet 10.60.0.0/24 used >/dev/null
    bad() {
        run hoist network create "$@"
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"$expect"* ]]
    }
    expect='already exists' bad used
    expect='overlaps the subnet of network used' bad --subnet 10.60.0.128/25 x
    expect='host bits are set (did you mean 10.61.0.0/24?)' bad --subnet 10.61.0.3/24 x
    expect='invalid subnet "10.61.0.0"' bad --subnet 10.61.0.0 x
    expect='too small' bad --subnet 10.61.0.0/31 x
    expect='gateway 10.62.0.0 is not a host address' bad --subnet 10.62.0.0/24 --gateway 10.62.0.0 x
    expect='gateway 10.9.0.1 is not a host address' bad --subnet 10.62.0.0/24 --gateway 10.9.0.1 x
    expect='ip range 10.63.1.0/24 is not inside subnet' bad --subnet 10.62.0.0/24 --ip-range 10.63.1.0/24 x
    expect='need --subnet' bad --gateway 10.62.0.1 x
    expect='driver "overlay" is not supported' bad -d overlay x
    expect='invalid network name' bad 'a/b'
    expect='invalid network name' bad -- -x
    expect='requires exactly one NAME' bad
    expect='only one subnet' bad --subnet 10.70.0.0/24 --subnet 10.71.0.0/24 x
    expect='empty key' bad --label =v x
    expect='unknown or incomplete option' bad --bogus x
    # Nothing half-made: only the first network exists.
    [ "$(hoist network ls -q | wc -l)" -eq 1 ]
    [ "$(ip -br link | grep -c '^hoist-')" -eq 1 ]
}

@test "attach: two namespaces on one bridge reach each other and the gateway" {
    hoist network create --subnet 10.80.0.0/24 front >/dev/null
    mkns; p1=$NSPID
    mkns; p2=$NSPID
    run hoist network attach --pid "$p1" --name web front c1
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '10.80.0.2/24 02:42:0a:50:00:02 vh%s' '*')" ] || [[ "$output" == "10.80.0.2/24 02:42:0a:50:00:02 vh"* ]]
    hoist network attach --pid "$p2" --ip 10.80.0.50 --alias db front c2 >/dev/null

    in_ns "$p1" ip -br addr show dev eth0 | grep -q '10.80.0.2/24'
    in_ns "$p1" ip route | grep -q '^default via 10.80.0.1 dev eth0'
    in_ns "$p1" ip link show dev eth0 | grep -q 'link/ether 02:42:0a:50:00:02'
    in_ns "$p1" ip -br link show dev lo | grep -q UP
    in_ns "$p1" busybox ping -c1 -W30 10.80.0.1
    in_ns "$p1" busybox ping -c1 -W30 10.80.0.50
    in_ns "$p2" busybox ping -c1 -W30 10.80.0.2

    # MTU follows the bridge.
    br=$(hoist network inspect front | jq -r '.[0].Options["com.docker.network.bridge.name"]')
    ip link set dev "$br" mtu 1400
    hoist network detach front c1
    hoist network attach --pid "$p1" front c1 >/dev/null
    in_ns "$p1" ip link show dev eth0 | grep -q 'mtu 1400 '
    in_ns "$p1" busybox ping -c1 -W30 10.80.0.50

    hoist network inspect front | jq -e '.[0].Containers.c1 == {"Name":"web","EndpointID":.[0].Containers.c1.EndpointID,"MacAddress":"02:42:0a:50:00:02","IPv4Address":"10.80.0.2/24","IPv6Address":"","Aliases":[]}'
    hoist network inspect front | jq -e '.[0].Containers.c2.Aliases == ["db"]'

    run hoist network rm front
    [ "$status" -eq 1 ]
    [[ "$output" == *"network front is in use by container web, c2"* ]]

    hoist network detach --release front c1
    hoist network detach --release front c2
    ! in_ns "$p1" ip link show dev eth0 2>/dev/null || false
    [ "$(ip -br link | grep -c '^vh')" -eq 0 ]
    hoist network inspect front | jq -e '.[0].Containers == {}'
    hoist network rm front
}

@test "attach: reservations, static addresses and their errors" {
    hoist network create --subnet 10.81.0.0/29 --ip-range 10.81.0.4/30 small >/dev/null
    # Reserve only, then wire the reserved address later.
    run -0 hoist network attach small r1
    [ "$output" = "10.81.0.4/29 02:42:0a:51:00:04 -" ]
    mkns
    run -0 hoist network attach --pid "$NSPID" small r1
    [[ "$output" == "10.81.0.4/29 02:42:0a:51:00:04 vh"* ]]
    # Wiring again replaces the leftover host end rather than failing on it.
    in_ns "$NSPID" ip link del eth0
    hoist network attach --pid "$NSPID" small r1 >/dev/null
    in_ns "$NSPID" ip -br addr show dev eth0 | grep -q 10.81.0.4/29

    bad() {
        run hoist network attach "$@"
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"$expect"* ]]
    }
    expect='already in use by container r1' bad --ip 10.81.0.4 small r2
    expect='is the gateway' bad --ip 10.81.0.1 small r2
    expect='outside the ip range 10.81.0.4/30' bad --ip 10.81.0.2 small r2
    expect='not a host address of subnet 10.81.0.0/29' bad --ip 10.81.0.7 small r2
    expect='not a host address' bad --ip 10.82.0.2 small r2
    expect='invalid IPv4 address' bad --ip 10.81.0 small r2
    expect='already has address 10.81.0.4' bad --ip 10.81.0.5 small r1
    expect='network nope not found' bad nope r2
    expect='open network namespace /nonexistent' bad --netns /nonexistent small r2
    expect='invalid pid' bad --pid x small r2
    expect='invalid interface name' bad --ifname 0123456789abcdefg small r2
    expect='requires NETWORK and ID' bad small
    hoist network inspect small | jq -e '.[0].Containers | keys == ["r1"]'

    hoist network attach small r2 >/dev/null
    hoist network attach small r3 >/dev/null
    expect='no free address left in 10.81.0.4/30' bad small r4
    # A released address is handed out again.
    hoist network detach --release small r2
    run -0 hoist network attach small r4
    [[ "$output" == "10.81.0.5/29 "* ]]
    for r in r1 r3 r4; do hoist network detach --release small $r; done
}

@test "isolation: no forwarding between bridges; internal networks have no way out" {
    hoist network create --subnet 10.83.0.0/24 n1 >/dev/null
    hoist network create --subnet 10.84.0.0/24 n2 >/dev/null
    hoist network create --internal --subnet 10.85.0.0/24 in >/dev/null
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
    mkns; a=$NSPID
    mkns; b=$NSPID
    mkns; c=$NSPID
    hoist network attach --pid "$a" n1 a >/dev/null
    hoist network attach --pid "$b" n2 b >/dev/null
    hoist network attach --pid "$c" in c >/dev/null

    in_ns "$a" busybox ping -c1 -W30 10.83.0.1
    ! in_ns "$a" busybox ping -c1 -W1 10.84.0.2 || false
    ! in_ns "$b" busybox ping -c1 -W1 10.83.0.2 || false
    # The drop is the rule's doing: without n1's table the same packets pass.
    br1=$(hoist network inspect n1 | jq -r '.[0].Options["com.docker.network.bridge.name"]')
    br2=$(hoist network inspect n2 | jq -r '.[0].Options["com.docker.network.bridge.name"]')
    nft delete table ip "$br1"
    nft delete table ip "$br2"
    in_ns "$a" busybox ping -c1 -W30 10.84.0.2

    ! in_ns "$c" ip route | grep -q default || false
    nft list table ip "$(hoist network inspect in | jq -r '.[0].Options["com.docker.network.bridge.name"]')" >"$TESTDIR/in.nft"
    ! grep -q masquerade "$TESTDIR/in.nft" || false
    grep -q 'oifname != ' "$TESTDIR/in.nft"
    ! in_ns "$a" busybox ping -c1 -W1 10.85.0.2 || false

    for n in n1:a n2:b in:c; do hoist network detach --release ${n%:*} ${n#*:}; done
}

@test "bridge recreated on attach after it vanished (as after a reboot)" {
    hoist network create --subnet 10.86.0.0/24 gone >/dev/null
    br=$(hoist network inspect gone | jq -r '.[0].Options["com.docker.network.bridge.name"]')
    ip link del "$br"
    nft delete table ip "$br"
    mkns
    hoist network attach --pid "$NSPID" gone x >/dev/null
    ip -br addr show dev "$br" | grep -q 10.86.0.1/24
    nft list table ip "$br" | grep -q masquerade
    in_ns "$NSPID" busybox ping -c1 -W30 10.86.0.1
    hoist network detach --release gone x
}

@test "prune removes unused networks only; usage errors" {
    hoist network create used >/dev/null
    hoist network create idle >/dev/null
    hoist network attach used c >/dev/null
    run hoist network prune -f
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'Deleted Networks:\nidle')" ]
    run sh -c "echo n | $HOIST_BIN --root $ROOT network prune"
    [ "$status" -eq 1 ]
    hoist network detach --release used c

    run hoist network
    [ "$status" -eq 125 ]
    run hoist network frob
    [ "$status" -eq 125 ]
    [[ "$output" == *'unknown command "frob"'* ]]
    run hoist network ls --format yaml
    [ "$status" -eq 125 ]
    run hoist network inspect
    [ "$status" -eq 125 ]
    run hoist network inspect nope
    [ "$status" -eq 1 ]
    [[ "$output" == *"network nope not found"* ]]
    run hoist network rm
    [ "$status" -eq 125 ]
}
