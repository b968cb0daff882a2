# Shared by the network tests (net.bats, net6.bats, net_ports.bats): "containers" are
# `sleep`s in network namespaces of their own; teardown releases what a failed test left
# and fails on any leftover link or nftables table.

setup() {
    hoist_setup
    NSPIDS=()
}

# Start a process in a new network namespace; its pid goes to NSPIDS and $NSPID.
mkns() {
    unshare --net sleep 600 3>&- &
    NSPID=$!
    NSPIDS+=("$NSPID")
    # Wait until the child is in its own namespace.
    while [ "$(readlink /proc/$NSPID/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
}

in_ns() {
    local pid=$1
    shift
    nsenter --net=/proc/$pid/ns/net "$@"
}

# Stop the namespaces' processes, release what a failed test left, fail on leftovers.
netns_teardown() {
    local status=0 p
    for p in "${NSPIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    # Veth pairs vanish with their namespace, asynchronously: give the kernel a moment.
    wait_until no_veths 2>/dev/null || true
    # A failed test leaves endpoints behind: release them so the next test starts clean.
    for n in $(hoist network ls -q 2>/dev/null); do
        for c in $(hoist network inspect "$n" | jq -r '.[0].Containers | keys[]'); do
            hoist network detach --release "$n" "$c" || status=1
        done
        hoist network rm "$n" >/dev/null || status=1
    done
    if ip -br link | grep -E '^(hoist-|vh)'; then
        echo "leak: links remain" >&2
        status=1
    fi
    if nft list tables | grep -q 'hoist-'; then
        echo "leak: nftables tables remain: $(nft list tables)" >&2
        status=1
    fi
    hoist_teardown || status=1
    return $status
}

teardown() {
    netns_teardown
}
