#!/usr/bin/env bats
# hoist-dns confined: once its sockets are bound it runs as nobody without capabilities,
# without new privileges, not dumpable and under a seccomp filter of its own, and still
# answers containers and re-reads its record, which here only root may read (umask 077,
# under a 0700 test directory), through its reader process.

load helpers

setup() {
    hoist_setup
    import_busybox
    # Nothing listens there: names the network lacks fail at once.
    printf 'nameserver 127.0.0.9\n' >"$TESTDIR/resolv.conf"
    export HOIST_DNS_RESOLV_CONF=$TESTDIR/resolv.conf
}

teardown() {
    hoist container rm -f web db >/dev/null 2>&1
    hoist network rm n1 >/dev/null 2>&1
    hoist_teardown
}

# field NAME PID: the value of NAME in /proc/PID/status, fields joined by one space.
field() {
    awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$2/status"
}

# The child processes of PID.
children() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(awk '{print $4}' "$p/stat" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
    done
    return 0
}

# The address a new container on n1 gets for NAME from the network's DNS.
resolve() {
    hoist container run --rm --network n1 busybox nslookup "$1" 2>/dev/null |
        sed -n 's/^Address: \([0-9.]*\)$/\1/p' | tail -n 1
}

ip_of() {
    hoist container inspect "$1" | jq -r '.[0].NetworkSettings.Networks.n1.IPAddress'
}

@test "dns: the responder runs as nobody without capabilities, under its own filter" {
    umask 077
    hoist network create n1 >/dev/null
    hoist container run -d --name web --network n1 busybox sleep 600 >/dev/null
    [ "$(stat -c %a "$ROOT/networks/n1.json")" = 600 ]
    pid=$(cat "$ROOT/networks/n1.dns.pid")
    [ "$(field Uid "$pid")" = "65534 65534 65534 65534" ]
    [ "$(field Gid "$pid")" = "65534 65534 65534 65534" ]
    [ -z "$(field Groups "$pid")" ]
    for c in CapEff CapPrm CapInh CapBnd CapAmb; do
        [ "$(field $c "$pid")" = 0000000000000000 ]
    done
    [ "$(field NoNewPrivs "$pid")" = 1 ]
    [ "$(field Seccomp "$pid")" = 2 ]
    # Not dumpable: the kernel then gives the files of its /proc directory to root.
    [ "$(stat -c %u:%g /proc/$pid/status)" = 0:0 ]

    # Its one child, the reader: nobody as well, CAP_DAC_READ_SEARCH (bit 2) alone.
    rd=$(children "$pid")
    [ "$(echo "$rd" | wc -w)" -eq 1 ]
    [ "$(cat /proc/$rd/comm)" = hoist-dns-read ]
    [ "$(field Uid "$rd")" = "65534 65534 65534 65534" ]
    [ "$(field Gid "$rd")" = "65534 65534 65534 65534" ]
    [ "$(field CapEff "$rd")" = 0000000000000004 ]
    [ "$(field CapPrm "$rd")" = 0000000000000004 ]
    for c in CapInh CapBnd CapAmb; do
        [ "$(field $c "$rd")" = 0000000000000000 ]
    done
    [ "$(field NoNewPrivs "$rd")" = 1 ]
    [ "$(field Seccomp "$rd")" = 2 ]
    # It holds its socket to the responder and the networks directory, nothing of the
    # network's traffic.
    [ "$(ls /proc/$rd/fd | sort -n | tr '\n' ' ')" = "0 1 2 7 8 " ]
    [ "$(readlink /proc/$rd/fd/8)" = "$ROOT/networks" ]

    # Names resolve from containers, also those of a container that joins later (the
    # record is replaced, and re-read) and not those of one that left.
    web=$(ip_of web)
    [ "$(resolve web)" = "$web" ]
    hoist container run -d --name db --network n1 busybox sleep 600 >/dev/null
    db=$(ip_of db)
    [ "$(resolve db)" = "$db" ]
    [ "$(resolve web)" = "$web" ]
    hoist container rm -f db >/dev/null
    [ -z "$(resolve db)" ]
    # The same responder all along, still confined.
    [ "$(cat "$ROOT/networks/n1.dns.pid")" = "$pid" ]
    [ "$(field Seccomp "$pid")" = 2 ] && [ "$(children "$pid")" = "$rd" ]

    # network rm stops both: the responder reaps its reader before it exits.
    hoist container rm -f web >/dev/null
    hoist network rm n1 >/dev/null
    [ ! -d /proc/$rd ]
    [ ! -d /proc/$pid ] || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
}
