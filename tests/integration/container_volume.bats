#!/usr/bin/env bats
# Containers with volumes: named, anonymous (-v /path and image VOLUMEs), bind mounts
# (relative ones too), tmpfs, --volumes-from, copy-up, :ro, rm -v, and the errors that
# must leave nothing behind.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    import_busybox
}

nothing_left() {
    [ -z "$(hoist container ps -aq)" ]
    [ -z "$(hoist volume ls -q)" ]
}

@test "named volume data survives rm and recreate" {
    hoist container run --rm --network none -v data:/data busybox sh -c 'echo kept >/data/f'
    run hoist container run --rm --network none -v data:/data busybox cat /data/f
    [ "$status" -eq 0 ]
    [ "$output" = kept ]
    hoist volume rm data >/dev/null
}

@test "copy-up fills a new volume with the image's content, ownership kept" {
    run hoist container run --rm --network none -v home:/home/app busybox stat -c %u:%g /home/app
    [ "$status" -eq 0 ]
    [ "$output" = 1000:1000 ]
    run -0 hoist container run --rm --network none -v etc:/etc busybox grep -c app /etc/passwd
    [ "$output" = 1 ]
    # nocopy: an empty volume stays empty.
    run hoist container run --rm --network none -v empty:/etc:nocopy busybox ls /etc
    [ "$status" -eq 0 ]
    [[ "$output" != *passwd* ]]
    hoist volume rm home etc empty >/dev/null
}

@test ":ro is enforced" {
    run hoist container run --rm --network none -v data:/data:ro busybox touch /data/x
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
    run hoist container run --rm --network none --mount type=volume,src=data,dst=/data,ro \
        busybox touch /data/x
    [ "$status" -ne 0 ]
    hoist volume rm data >/dev/null
}

@test "bind mounts, relative to the current directory" {
    mkdir -p "$TESTDIR/proj/src"
    echo hello >"$TESTDIR/proj/src/f"
    cd "$TESTDIR/proj"
    run hoist container run --rm --network none -v ./src:/src busybox cat /src/f
    [ "$status" -eq 0 ]
    [ "$output" = hello ]
    hoist container run --rm --network none --mount "type=bind,src=./src,dst=/w" busybox \
        sh -c 'echo back >/w/g'
    [ "$(cat "$TESTDIR/proj/src/g")" = back ]
    # The short syntax creates a missing source, the long one refuses it.
    hoist container run --rm --network none -v ./made:/m busybox true
    [ -d "$TESTDIR/proj/made" ]
    run hoist container run --rm --network none --mount type=bind,src=./absent,dst=/m busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"does not exist"* ]]
    [ -z "$(hoist container ps -aq)" ]
}

@test "--tmpfs mounts a tmpfs with its size" {
    run hoist container run --rm --network none --tmpfs /scratch:size=1m busybox \
        sh -c 'grep " /scratch " /proc/mounts'
    [ "$status" -eq 0 ]
    [[ "$output" == *"tmpfs /scratch tmpfs"* ]]
    [[ "$output" == *size=1024k* ]]
}

@test "anonymous volumes: kept by rm, removed by rm -v" {
    hoist container create --name a1 --network none -v /anon busybox true >/dev/null
    [ "$(hoist volume ls -q | wc -l)" = 1 ]
    v=$(hoist volume ls -q)
    [ "$(hoist container inspect a1 | jq -r '.[0].Mounts[0].Name')" = "$v" ]
    hoist container rm a1 >/dev/null
    [ "$(hoist volume ls -q)" = "$v" ]
    hoist volume rm "$v" >/dev/null
    hoist container create --name a2 --network none -v /anon -v named:/named busybox true >/dev/null
    hoist container rm -v a2 >/dev/null
    [ "$(hoist volume ls -q)" = named ]
    hoist volume rm named >/dev/null
}

@test "run --rm removes the container's anonymous volumes, also when the start fails" {
    hoist container run --rm --network none -v /anon -v kept:/kept busybox true
    [ "$(hoist volume ls -q)" = kept ]
    run -127 hoist container run --rm -v /anon busybox /no/such/command
    [ "$status" -eq 127 ]
    [ "$(hoist volume ls -q)" = kept ]
    hoist volume rm kept >/dev/null
}

@test "--volumes-from repeats another container's mounts, with :ro" {
    hoist container create --name src --network none -v shared:/shared busybox true >/dev/null
    hoist container run --rm --network none --volumes-from src busybox sh -c 'echo x >/shared/f'
    run hoist container run --rm --network none --volumes-from src:ro busybox \
        sh -c 'cat /shared/f && touch /shared/g'
    [ "$status" -ne 0 ]
    [[ "$output" == x* ]]
    run hoist container run --rm --network none --volumes-from nosuch busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"No such container: nosuch"* ]]
    hoist container rm src >/dev/null
    hoist volume rm shared >/dev/null
}

@test "an image's VOLUME becomes an anonymous volume, filled from the image, unless a mount covers it" {
    hoist image import --change "VOLUME /etc" "$BUSYBOX_TAR" withvol >/dev/null
    run -0 hoist container run --rm --network none withvol grep -c app /etc/passwd
    [ "$output" = 1 ]
    [ -z "$(hoist volume ls -q)" ]
    hoist container create --name v1 --network none withvol true >/dev/null
    [ "$(hoist container inspect v1 | jq -r '.[0].Mounts[0].Destination')" = /etc ]
    [ "$(hoist volume ls -q | wc -l)" = 1 ]
    hoist container rm -v v1 >/dev/null
    hoist container create --name v2 --network none -v mine:/etc withvol true >/dev/null
    [ "$(hoist volume ls -q)" = mine ]
    hoist container rm v2 >/dev/null
    hoist volume rm mine >/dev/null
}

@test "volume rm is refused while a container uses the volume" {
    hoist container create --name u1 --network none -v data:/data busybox true >/dev/null
    run hoist volume rm data
    [ "$status" -ne 0 ]
    [[ "$output" == *"in use"* ]]
    hoist container rm u1 >/dev/null
    hoist volume rm data >/dev/null
}

@test "a driver-backed volume is mounted while its container runs" {
    hoist volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tv >/dev/null
    run hoist container run --rm --network none -v tv:/t busybox sh -c 'grep " /t " /proc/mounts'
    [ "$status" -eq 0 ]
    [[ "$output" == *tmpfs* ]]
    ! grep -q "$ROOT/volumes/tv/_data" /proc/mounts || false
    hoist volume rm tv >/dev/null
}

@test "bad volume options: exit 125, a clear error, nothing left" {
    local bad=(
        "-v :/x|invalid volume specification"
        "-v data:relative|is not an absolute path"
        "-v data:/x:bogus|invalid mode"
        "--mount type=bogus,dst=/x|invalid type \"bogus\""
        "--mount type=volume|mount target (container path) is missing"
        "--tmpfs relative|is not an absolute path"
        "--tmpfs /t:size=huge|invalid size"
        "--volumes-from nosuch|No such container"
        "-v aa:/x -v bb:/x|duplicate mount point"
    )
    for b in "${bad[@]}"; do
        read -r -a args <<<"${b%%|*}"
        run hoist container run --rm --network none "${args[@]}" busybox true
        echo "$b -> $status: $output"
        [ "$status" -eq 125 ]
        [[ "$output" == *"${b#*|}"* ]]
        nothing_left
    done
    # A volume made before a later mount failed is removed again.
    run hoist container run --rm --network none -v fresh:/data \
        --mount type=bind,src=/nonexistent-src,dst=/x busybox true
    [ "$status" -eq 125 ]
    nothing_left
}
