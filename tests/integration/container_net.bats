#!/usr/bin/env bats
# Containers on networks: the default network, user networks, isolation, internal
# networks, host / none / container: modes, connect / disconnect, static addresses and
# the errors that must leave nothing behind.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    import_busybox
}

# The address of a container on a network.
ip_of() {
    hoist container inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$2\"].IPAddress"
}

# Start a busybox httpd serving "$2" as its index page, named $1, with more run options.
httpd() {
    local name=$1 text=$2
    shift 2
    hoist container run -d --name "$name" "$@" busybox \
        sh -c "mkdir -p /www && echo $text >/www/index.html && exec httpd -f -p 80 -h /www" >/dev/null
    # Serving once it listens: nothing need retry after this.
    wait_until hoist container exec "$name" sh -c 'netstat -ltn | grep -q ":80 "'
}

published_is() { # published_is PORT TEXT: the page on 127.0.0.1:PORT
    [ "$(printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 30 127.0.0.1 "$1" | tail -n 1)" = "$2" ]
}

# The page at http://$1:80/ (the last line of the reply) from a new container with the
# remaining run options, retrying while the server starts. busybox's nc: its static wget
# crashes in glibc's resolver.
fetch() {
    local host=$1
    shift
    hoist container run --rm "$@" busybox sh -c '
        for i in 1 2 3 4 5 6 7 8 9 10; do
            out=$(printf "GET / HTTP/1.0\r\n\r\n" | nc -w 30 "$1" 80) && [ -n "$out" ] &&
                { echo "$out" | tail -n 1; exit 0; }
            sleep 0.2
        done
        exit 1' sh "$host"
}

# Nothing of a failed create: no container, no address held, no volume.
nothing_left() {
    [ -z "$(hoist container ps -aq)" ]
    local n
    for n in "$ROOT"/networks/*.json; do
        [ -f "$n" ] || continue
        [ "$(jq '.Containers | length' "$n")" = 0 ]
    done
    [ -z "$(hoist volume ls -q)" ]
}

@test "run joins the default network: address, default route, hosts, resolv.conf" {
    run hoist container run --rm --name dflt busybox \
        sh -c 'ip -4 -o addr show eth0; ip route; cat /etc/hosts /etc/resolv.conf'
    [ "$status" -eq 0 ]
    gw=$(jq -r '.IPAM.Config[0].Gateway' "$ROOT/networks/bridge.json")
    [[ "$output" == *"default via $gw dev eth0"* ]]
    [[ "$output" == *"nameserver $gw"* ]]
    echo "$output" | grep -E "^[0-9.]+	[0-9a-f]{12}$"
    # --rm released the address.
    [ "$(jq '.Containers | length' "$ROOT/networks/bridge.json")" = 0 ]
}

@test "inspect shows docker's network shapes" {
    hoist network create --subnet 10.91.0.0/24 n1 >/dev/null
    hoist container create --name c1 --network n1 --network-alias db -p 8080:80 busybox true >/dev/null
    run hoist container inspect c1
    [ "$status" -eq 0 ]
    j=$output
    [ "$(echo "$j" | jq -r '.[0].HostConfig.NetworkMode')" = n1 ]
    [ "$(echo "$j" | jq -r '.[0].HostConfig.PortBindings["80/tcp"][0].HostPort')" = 8080 ]
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.n1.IPAddress')" = 10.91.0.2 ]
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.n1.IPPrefixLen')" = 24 ]
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.n1.Gateway')" = 10.91.0.1 ]
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.n1.MacAddress')" = 02:42:0a:5b:00:02 ]
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.n1.Aliases[0]')" = db ]
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Networks.n1.NetworkID')" = \
        "$(jq -r .Id "$ROOT/networks/n1.json")" ]
    run hoist network rm n1
    [ "$status" -ne 0 ]
    [[ "$output" == *"in use"* ]]
    hoist container rm c1 >/dev/null
    hoist network rm n1 >/dev/null
}

@test "two containers on one network reach each other; another network cannot" {
    hoist network create n1 >/dev/null
    hoist network create n2 >/dev/null
    httpd web hello --network n1
    ip=$(ip_of web n1)
    run fetch "$ip" --network n1
    [ "$status" -eq 0 ]
    [ "$output" = hello ]
    # From the other network: no page (nc fails; the container itself runs).
    run -0 hoist container run --rm --network n2 busybox \
        sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 1 $ip 80; echo rc=\$?"
    [[ "$output" != *hello* ]]
    [[ "$output" == *rc=* && "$output" != *rc=0* ]]
    hoist container rm -f web >/dev/null
    hoist network rm n1 n2 >/dev/null
}

@test "containers resolve each other by name, alias and hostname through the network's DNS" {
    hoist network create n1 >/dev/null
    httpd web byname --network n1 --network-alias www --hostname webhost
    ip=$(ip_of web n1)
    for name in web www webhost; do
        run hoist container run --rm --network n1 busybox nslookup "$name"
        echo "$name: $output"
        [ "$status" -eq 0 ]
        [[ "$output" == *"Address: $ip"* ]]
    done
    # busybox's nc resolves through libc, which the static busybox cannot: ask nslookup.
    run -0 hoist container run --rm --network n1 busybox sh -c '
        ip=$(nslookup web | sed -n "s/^Address: \([0-9.]*\)$/\1/p" | tail -n 1)
        printf "GET / HTTP/1.0\r\n\r\n" | nc -w 30 "$ip" 80 | tail -n 1'
    [ "$output" = byname ]
    hoist container rm -f web >/dev/null
    hoist network rm n1 >/dev/null
}

@test "-p publishes container ports on the host, shown by inspect" {
    httpd web published -p 127.0.0.1:8088:80 -p 127.0.0.1::80/udp
    j=$(hoist container inspect web)
    [ "$(echo "$j" | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort')" = 8088 ]
    p=$(echo "$j" | jq -r '.[0].NetworkSettings.Ports["80/udp"][0].HostPort')
    [ "$p" -gt 0 ]
    wait_until published_is 8088 published
    hoist container rm -f web >/dev/null
}

@test "-P publishes the image's exposed ports on random host ports" {
    hoist image import --change "EXPOSE 80/tcp" "$BUSYBOX_TAR" exposed >/dev/null
    hoist container create --name e1 -P exposed true >/dev/null
    j=$(hoist container inspect e1)
    [ "$(echo "$j" | jq -r '.[0].HostConfig.PublishAllPorts')" = true ]
    p=$(echo "$j" | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort')
    [ "$p" -gt 0 ]
    hoist container rm e1 >/dev/null
}

@test "internal network: no default route" {
    hoist network create --internal inside >/dev/null
    run hoist container run --rm --network inside busybox ip route
    [ "$status" -eq 0 ]
    [[ "$output" != *default* ]]
    [[ "$output" == *"dev eth0"* ]]
    hoist network rm inside >/dev/null
}

@test "--network none has only lo, --network host sees the host's links" {
    run hoist container run --rm --network none busybox ip -o link
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | wc -l)" = 1 ]
    [[ "$output" == *": lo:"* ]]
    ip link add hoist-probe0 type bridge
    run hoist container run --rm --network host busybox ip -o link
    ip link del hoist-probe0
    [ "$status" -eq 0 ]
    [[ "$output" == *hoist-probe0* ]]
    [ ! -f "$ROOT/networks/bridge.json" ]
}

@test "--network container:NAME shares that container's network namespace" {
    httpd web shared
    run fetch 127.0.0.1 --network container:web
    [ "$status" -eq 0 ]
    [ "$output" = shared ]
    run -0 hoist container run --rm --network container:web busybox cat /etc/hostname
    [ "$output" = "$(hoist container inspect web | jq -r '.[0].Config.Hostname')" ]
    hoist container rm -f web >/dev/null
    run hoist container run --rm --network container:web busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"No such container: web"* ]]
}

@test "network connect and disconnect a running container" {
    hoist network create --subnet 10.92.0.0/24 n2 >/dev/null
    hoist container run -d --name c1 busybox sleep 60 >/dev/null
    hoist network connect --alias extra n2 c1
    run hoist container exec c1 ip -4 -o addr show eth1
    [ "$status" -eq 0 ]
    [[ "$output" == *"10.92.0.2/24"* ]]
    [ "$(hoist container inspect c1 | jq -r '.[0].NetworkSettings.Networks.n2.Aliases[0]')" = extra ]
    run hoist network connect n2 c1
    [ "$status" -ne 0 ]
    [[ "$output" == *"already connected"* ]]
    hoist network disconnect n2 c1
    run hoist container exec c1 ip link show eth1
    [ "$status" -ne 0 ]
    [ "$(jq '.Containers | length' "$ROOT/networks/n2.json")" = 0 ]
    run hoist network disconnect n2 c1
    [ "$status" -ne 0 ]
    [[ "$output" == *"is not connected"* ]]
    hoist container rm -f c1 >/dev/null
    hoist network rm n2 >/dev/null
}

@test "network connect of a stopped container is wired when it starts" {
    hoist network create --subnet 10.93.0.0/24 n3 >/dev/null
    hoist container create --name c1 busybox ip -4 -o addr show eth1 >/dev/null
    hoist network connect --ip 10.93.0.7 n3 c1
    run hoist container start -a c1
    [ "$status" -eq 0 ]
    [[ "$output" == *"10.93.0.7/24"* ]]
    hoist container rm c1 >/dev/null
    hoist network rm n3 >/dev/null
}

@test "static --ip, and a taken address is refused with nothing left" {
    hoist network create --subnet 10.94.0.0/24 n4 >/dev/null
    hoist container run -d --name s1 --network n4 --ip 10.94.0.50 busybox sleep 60 >/dev/null
    run -0 hoist container exec s1 ip -4 -o addr show eth0
    [[ "$output" == *"10.94.0.50/24"* ]]
    run hoist container run --rm --network n4 --ip 10.94.0.50 busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"already in use"* ]]
    [ "$(hoist container ps -aq | wc -l)" = 1 ]
    [ "$(jq '.Containers | length' "$ROOT/networks/n4.json")" = 1 ]
    hoist container rm -f s1 >/dev/null
    hoist network rm n4 >/dev/null
}

@test "a restarted container keeps its address" {
    hoist network create --subnet 10.95.0.0/24 n5 >/dev/null
    hoist container run -d --name r1 --restart on-failure:2 --network n5 busybox \
        sh -c 'ip -4 -o addr show eth0; exit 3' >/dev/null
    code=$(hoist container wait r1)
    [ "$code" = 3 ]
    run -0 hoist container logs r1
    [ "$(echo "$output" | grep -c '10.95.0.2/24')" = 3 ]
    [ "$(hoist container inspect r1 | jq -r '.[0].RestartCount')" = 2 ]
    hoist container rm r1 >/dev/null
    hoist network rm n5 >/dev/null
}

@test "--dns, --dns-search, --dns-option, --add-host, --hostname, --domainname" {
    run hoist container run --rm --hostname h1 --domainname example.test --dns 10.0.0.53 \
        --dns-search corp.test --dns-option ndots:2 --add-host db:10.1.2.3 \
        --add-host gw:host-gateway busybox sh -c 'cat /etc/resolv.conf /etc/hosts; hostname'
    [ "$status" -eq 0 ]
    [[ "$output" == *"nameserver 10.0.0.53"* ]]
    [[ "$output" == *"search corp.test"* ]]
    [[ "$output" == *"options ndots:2"* ]]
    [[ "$output" == *"10.1.2.3	db"* ]]
    gw=$(jq -r '.IPAM.Config[0].Gateway' "$ROOT/networks/bridge.json")
    [[ "$output" == *"$gw	gw"* ]]
    [[ "$output" == *"h1.example.test h1"* ]]
}

@test "bad network options: exit 125, a clear error, nothing left" {
    hoist network create n6 >/dev/null
    local bad=(
        "--network nosuch|network nosuch not found"
        "--ip 10.89.0.9|user defined networks only"
        "--network n6 --ip 10.1.1.1|not a host address"
        "--network n6 --ip nonsense|nonsense"
        "--network-alias x|user defined networks"
        "--network n6 --network-alias a/b|invalid network alias"
        "--add-host nocolon|--add-host"
        "--add-host h:999.1.1.1|--add-host"
        "--dns not-an-ip|--dns"
        "-p 80:99999|invalid publish spec"
        "-p 80/xtp|invalid publish spec"
        "--network container:nosuch|No such container"
        "--network none --ip 10.1.1.1|user defined networks only"
    )
    for b in "${bad[@]}"; do
        read -r -a args <<<"${b%%|*}"
        run hoist container run --rm "${args[@]}" busybox true
        echo "$b -> $status: $output"
        [ "$status" -eq 125 ]
        [[ "$output" == *"${b#*|}"* ]]
        nothing_left
    done
    # A failure after the address was reserved releases it.
    run hoist container run --rm --network n6 -v /nonexistent-src:/x:ro --mount type=bogus busybox true
    [ "$status" -eq 125 ]
    nothing_left
    hoist network rm n6 >/dev/null
}
