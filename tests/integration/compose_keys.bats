#!/usr/bin/env bats
# Service keys of what a container shares with the host or other containers (pid, ipc,
# devices, group_add, shm_size, cgroup_parent, oom_kill_disable), applied inside running
# containers by `hoist up` and `container run`; refused keys and bad input leave nothing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    compose_setup
}

# The cgroup_parent test leaves its parent, as docker does, beside the test's own one,
# which is all the leak check knows of.
teardown() {
    local status=0
    compose_teardown || status=1
    rmdir /sys/fs/cgroup/*/"$CGPARENT"-custom /sys/fs/cgroup/"$CGPARENT"-custom 2>/dev/null || true
    return $status
}

# exec_out SERVICE CMD...: a command's output in the service's first container.
exec_out() {
    local svc=$1
    shift
    hoist container exec "demo-$svc-1" "$@"
}

# ns_joined NS HOST OWN JOINER: HOST's NS namespace is the host's, OWN's one of its own and
# JOINER's the one of OWN.
ns_joined() {
    local ns=/proc/self/ns/$1 own
    [ "$(exec_out "$2" readlink "$ns")" = "$(readlink "$ns")" ]
    own=$(exec_out "$3" readlink "$ns")
    [ "$own" != "$(readlink "$ns")" ]
    [ "$(exec_out "$4" readlink "$ns")" = "$own" ]
}

# Nothing of the project: no container, no network, no volume.
nothing_left() {
    [ -z "$(hoist container ps -aq)" ]
    [ -z "$(ls "$ROOT/networks" 2>/dev/null | grep demo_)" ]
    [ -z "$(hoist volume ls -q)" ]
}

@test "pid: host and service:NAME share the pid namespace" {
    cat >compose.yaml <<EOF
name: demo
services:
  host:
    image: busybox
    command: sleep 300
    pid: host
    network_mode: none
  own:
    image: busybox
    command: sleep 300
    network_mode: none
  joiner:
    image: busybox
    command: sleep 300
    pid: "service:own"
    network_mode: none
EOF
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    ns_joined pid host own joiner
    # The joiner sees own's sleep as well as its own.
    [ "$(exec_out joiner sh -c 'ps -o comm | grep -c sleep')" -eq 2 ]
    # The host's pid 1 is visible to the pid: host container.
    run exec_out host cat /proc/1/comm
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat /proc/1/comm)" ]
}

@test "ipc: host, shareable and service:NAME" {
    cat >compose.yaml <<EOF
name: demo
services:
  host:
    image: busybox
    command: sleep 300
    ipc: host
    network_mode: none
  donor:
    image: busybox
    command: sleep 300
    ipc: shareable
    network_mode: none
  joiner:
    image: busybox
    command: sleep 300
    ipc: "service:donor"
    network_mode: none
EOF
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    ns_joined ipc host donor joiner
    # /dev/shm is shared too, as docker shares the donor's.
    exec_out donor sh -c 'echo shared >/dev/shm/x'
    [ "$(exec_out joiner cat /dev/shm/x)" = shared ]
}

@test "group_add, shm_size, devices and cgroup_parent apply" {
    cat >compose.yaml <<EOF
name: demo
services:
  web:
    image: busybox
    command: sleep 300
    network_mode: none
    group_add: [daemon, "4321"]
    shm_size: 96m
    devices: ["/dev/null:/dev/mynull"]
    cgroup_parent: $CGPARENT-custom
    oom_kill_disable: true
    userns_mode: host
EOF
    run hoist up -d
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run -0 exec_out web id
    [[ "$output" == *"1(daemon)"* ]]
    [[ "$output" == *4321* ]]
    [ "$(exec_out web df -k /dev/shm | awk 'NR==2 {print $2}')" = 98304 ]
    exec_out web sh -c 'echo x >/dev/mynull'
    [ "$(exec_out web stat -c %t:%T /dev/mynull)" = 1:3 ]
    id=$(hoist container inspect demo-web-1 | jq -r '.[0].Id')
    run -0 exec_out web cat /proc/self/cgroup
    [[ "$output" == *"/$CGPARENT-custom/$id"* ]]
    [ "$(hoist container inspect demo-web-1 | jq -r '.[0].HostConfig.CgroupParent')" = "$CGPARENT-custom" ]
    if [ -f /sys/fs/cgroup/memory/memory.oom_control ]; then
        [ "$(exec_out web sh -c 'grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control')" = "oom_kill_disable 1" ]
    fi
    hoist down -t 0
    # The container's cgroup went with it; the parent is left, as docker leaves it.
    [ -z "$(find /sys/fs/cgroup/*/"$CGPARENT-custom" /sys/fs/cgroup/"$CGPARENT-custom" -mindepth 1 -type d 2>/dev/null)" ]
}

@test "refused keys exit non-zero naming service and key, and create nothing" {
    for key in "userns_mode: keep-id" "init: true" "runtime: runsc" "cpuset: '0'" \
        "logging: {driver: syslog}" "links: ['db:database']"; do
        cat >compose.yaml <<EOF
name: demo
services:
  db:
    image: busybox
    command: sleep 300
  web:
    image: busybox
    command: sleep 300
    volumes: [data:/data]
    $key
volumes:
  data: {}
EOF
        run hoist up -d
        [ "$status" -ne 0 ]
        [[ "$output" == *"service \"web\": ${key%%:*}"* ]] || { echo "$key: $output"; false; }
        [[ "$output" == *"not supported"* ]]
        nothing_left
    done
}

@test "a missing or CDI device is refused before anything is created" {
    for dev in /dev/hoist-no-such-device vendor.com/gpu=all; do
        cat >compose.yaml <<EOF
name: demo
services:
  db:
    image: busybox
    command: sleep 300
  web:
    image: busybox
    devices: ["$dev"]
    volumes: [data:/data]
volumes:
  data: {}
EOF
        run hoist up -d
        [ "$status" -ne 0 ]
        [[ "$output" == *"service \"web\""* ]]
        [[ "$output" == *"$dev"* ]]
        nothing_left
    done
    run hoist run --rm web true
    [ "$status" -ne 0 ]
    nothing_left
}

@test "ipc: service:NAME of a non-shareable service is refused at start" {
    cat >compose.yaml <<EOF
name: demo
services:
  donor:
    image: busybox
    command: sleep 300
    network_mode: none
  joiner:
    image: busybox
    command: sleep 300
    ipc: "service:donor"
    network_mode: none
EOF
    run hoist up -d
    [ "$status" -ne 0 ]
    [[ "$output" == *"not shareable"* ]]
}

@test "container run: --pid, --ipc, --group-add, --shm-size, --device, --cgroup-parent" {
    run hoist container run --rm --network none --pid host --ipc host busybox \
        sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(readlink /proc/self/ns/pid)" ]
    [ "${lines[1]}" = "$(readlink /proc/self/ns/ipc)" ]
    run hoist container run --rm --network none --group-add 4321 --shm-size 80m \
        --device /dev/zero:/dev/z:rw --cgroup-parent "$CGPARENT-custom" -e "CG=$CGPARENT-custom" \
        busybox sh -c 'id -G; df -k /dev/shm | awk "NR==2 {print \$2}"; head -c 3 /dev/z | wc -c; grep -c "/$CG/" /proc/self/cgroup'
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "${lines[0]}" == *4321* ]]
    [ "${lines[1]}" = 81920 ]
    [ "${lines[2]}" = 3 ]
    [ "${lines[3]}" -ge 1 ]
    hoist container run -d --name donor --network none --ipc shareable busybox sleep 300
    run hoist container run --rm --network none --ipc container:donor --pid container:donor \
        busybox sh -c 'ps -o comm | grep -c sleep'
    [ "$status" -eq 0 ]
    [ "$output" = 1 ]
    hoist container rm -f donor >/dev/null
}

@test "container run: bad flags exit 125 and create nothing" {
    for args in "--pid bogus" "--ipc container:" "--shm-size -1" "--device /dev/hoist-no-such-device" \
        "--device vendor.com/gpu=all" "--device /dev/null:relative" "--oom-score-adj 5000" \
        "--group-add no-such-group" "--pid container:no-such-container"; do
        run hoist container run --rm --network none $args busybox true
        [ "$status" -eq 125 ] || { echo "$args: $status $output"; false; }
        [ -n "$output" ]
        [ -z "$(hoist container ps -aq)" ]
    done
}
