#!/usr/bin/env bats
# `hoist container run`: Docker's default confinement, checked from inside.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    import_busybox
}

in_ctr() {
    run hoist container run --rm "$@"
}

@test "default capabilities and seccomp" {
    in_ctr busybox grep -E '^(CapEff|Seccomp):' /proc/self/status
    [ "$status" -eq 0 ]
    [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
}

@test "mount, unshare and kernel keyrings are denied" {
    in_ctr busybox mount -t tmpfs none /tmp
    [ "$status" -ne 0 ]
    [[ "$output" == *"denied"* ]] || [[ "$output" == *"not permitted"* ]]
    in_ctr busybox unshare -m true
    [ "$status" -ne 0 ]
    in_ctr busybox sh -c 'cat /proc/keys'
    [ -z "$output" ] || [ "$status" -ne 0 ]
}

@test "masked and read-only paths" {
    # /proc/kcore is absent on some kernels: timer_list is masked the same way.
    [ "$(wc -c </proc/timer_list)" -gt 0 ]
    in_ctr busybox sh -c 'wc -c < /proc/timer_list'
    [ "$output" = 0 ]
    in_ctr busybox sh -c '[ ! -e /proc/kcore ] || [ "$(wc -c < /proc/kcore)" = 0 ] && echo masked'
    [ "$output" = masked ]
    in_ctr busybox sh -c 'touch /sys/x'
    [ "$status" -ne 0 ]
    in_ctr busybox sh -c 'echo 1 > /proc/sys/kernel/domainname'
    [ "$status" -ne 0 ]
    in_ctr --read-only busybox touch /x
    [ "$status" -ne 0 ]
}

@test "another container's processes are invisible" {
    hoist container run -d --name other busybox sleep 100
    in_ctr busybox ps -o pid,comm
    [[ "$output" != *sleep* ]]
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    hoist container rm -f other
}

@test "--pids-limit stops a fork bomb" {
    in_ctr --pids-limit 20 busybox sh -c 'for i in $(seq 40); do sleep 5 & done; echo unreachable'
    [ "$status" -ne 0 ]
    [[ "$output" == *"can't fork"* ]]
    [[ "$output" != *unreachable* ]]
}

@test "--memory OOM kill is reported" {
    run hoist container run --name hog --memory 16m --memory-swap 16m busybox sh -c 'x=a; while :; do x=$x$x; done'
    [ "$status" -eq 137 ]
    [ "$(hoist container inspect hog | jq .[0].State.OOMKilled)" = true ]
    hoist container rm hog
}

@test "--privileged and --cap-add really add, --cap-drop removes" {
    # All capabilities this host can grant: its bounding set.
    bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
    in_ctr --privileged busybox grep CapEff /proc/self/status
    [[ "$output" == *"$bnd"* ]]
    in_ctr --privileged busybox sh -c 'mount -t tmpfs none /tmp && echo mounted'
    [ "$output" = mounted ]
    in_ctr --cap-add SYS_ADMIN busybox grep CapEff /proc/self/status
    [[ "$output" == *"00000000a82425fb"* ]]
    in_ctr --cap-drop ALL --cap-add CHOWN busybox grep CapEff /proc/self/status
    [[ "$output" == *"0000000000000001"* ]]
    in_ctr --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
    [[ "$output" == *"Seccomp:	0"* ]]
}

@test "user, hostname, env and ulimits" {
    in_ctr -u app -h box -e FOO=bar --ulimit nofile=100:200 busybox sh -c 'id -u; id -G; hostname; echo $FOO; ulimit -n; echo $HOME'
    [ "${lines[0]}" = 1000 ]
    [[ "${lines[1]}" == *1000* ]]
    [ "${lines[2]}" = box ]
    [ "${lines[3]}" = bar ]
    [ "${lines[4]}" = 100 ]
    [ "${lines[5]}" = /home/app ]
    in_ctr -u 4242:4343 busybox sh -c 'id -u; id -g'
    [ "$output" = "$(printf '4242\n4343')" ]
    in_ctr --ulimit nofile=5:1 busybox true
    [ "$status" -eq 125 ]
}

@test "create flags map onto the OCI config" {
    echo 'FROMFILE=1' >"$TESTDIR/env"
    id=$(hoist container create --name spec --env-file "$TESTDIR/env" --entrypoint /bin/echo \
        --read-only --sysctl net.ipv4.ip_forward=1 --stop-signal SIGUSR1 --stop-timeout 3 \
        --label a=b -m 64m --cpus 1.5 --cpu-shares 512 --pids-limit 50 \
        --security-opt no-new-privileges --security-opt label=disable \
        --ulimit nproc=10:20 busybox hi)
    cfg=$ROOT/containers/$id/bundle/config.json
    [ "$(jq -r '.process.args | join(" ")' "$cfg")" = "/bin/echo hi" ]
    [ "$(jq -r '.root.readonly' "$cfg")" = true ]
    [ "$(jq -r '.root.path' "$cfg")" = "$RUNROOT/containers/$id/rootfs" ]
    [ "$(jq -r '.linux.sysctl["net.ipv4.ip_forward"]' "$cfg")" = 1 ]
    [ "$(jq -r '.linux.resources.memory.limit' "$cfg")" = 67108864 ]
    [ "$(jq -r '.linux.resources.memory.swap' "$cfg")" = 134217728 ]
    [ "$(jq -r '.linux.resources.cpu.quota' "$cfg")" = 150000 ]
    [ "$(jq -r '.linux.resources.cpu.shares' "$cfg")" = 512 ]
    [ "$(jq -r '.linux.resources.pids.limit' "$cfg")" = 50 ]
    [ "$(jq -r '.linux.cgroupsPath' "$cfg")" = "/$CGPARENT/$id" ]
    [ "$(jq -r '.process.noNewPrivileges' "$cfg")" = true ]
    [ "$(jq -r '.process.rlimits[0].type' "$cfg")" = RLIMIT_NPROC ]
    [ "$(jq -r '.process.env[]' "$cfg" | grep -c '^FROMFILE=1$')" = 1 ]
    [ "$(jq -r '.linux.namespaces | map(.type) | sort | join(",")' "$cfg")" = "ipc,mount,network,pid,uts" ]
    [ "$(jq -r '.mounts[] | select(.destination == "/dev/shm") | .options | join(",")' "$cfg")" = "nosuid,noexec,nodev,mode=1777,size=67108864" ]
    [ "$(jq -r '.linux.maskedPaths | length' "$cfg")" -ge 10 ]
    [ "$(jq -r '.linux.seccomp.defaultAction' "$cfg")" != null ]
    run -0 hoist container inspect spec
    [ "$(echo "$output" | jq -r '.[0].Config.StopSignal')" = SIGUSR1 ]
    [ "$(echo "$output" | jq -r '.[0].Config.StopTimeout')" = 3 ]
    [ "$(echo "$output" | jq -r '.[0].HostConfig.Memory')" = 67108864 ]
    # The container is not running: its rootfs is not mounted.
    ! grep -q "$RUNROOT/containers/$id/rootfs" /proc/mounts || false
    hoist container rm spec
}

@test "bad flag values are refused and leave nothing" {
    for args in "--env-file /nonexistent" "--ulimit nofile" "--ulimit bogus=1" \
        "--sysctl novalue" "--security-opt bogus" "--security-opt seccomp=/nonexistent" \
        "--stop-signal SIGNOPE" "--name bad/name" "--memory-swap 64m" "--memory 1k" \
        "--cpus abc" "--pids-limit x" "--rm --restart always" "--restart on-failure:x"; do
        run hoist container run $args busybox true
        [ "$status" -eq 125 ] || { echo "accepted: $args"; false; }
        [ -n "$output" ]
    done
    run -0 hoist container ps -aq
    [ -z "$output" ]
    [ -z "$(ls -A "$ROOT/containers/.names")" ]
}

@test "--network host shares the network namespace, none does not" {
    mine=$(readlink /proc/self/ns/net)
    in_ctr --network host busybox readlink /proc/self/ns/net
    [ "$status" -eq 0 ]
    [ "$output" = "$mine" ]
    in_ctr --network none busybox readlink /proc/self/ns/net
    [ "$status" -eq 0 ]
    [ "$output" != "$mine" ]
}
