#!/usr/bin/env bats
# `hoist volume`: create, ls, inspect, rm, prune, their refusals, and driver-backed
# volumes. Mounting into containers is the engine's; here a container record that names
# a volume stands in for a container using it.

load helpers
bats_require_minimum_version 1.5.0

# Nothing but the store's lock file may exist under volumes/.
store_empty() {
    [ ! -d "$ROOT/volumes" ] || [ -z "$(ls -A "$ROOT/volumes" | grep -vx .lock)" ]
}

# fake_user ID VOLUME: a container record whose Mounts name the volume, as
# engine/container writes it (docker inspect's shape).
fake_user() {
    mkdir -p "$ROOT/containers/$1"
    printf '{"Id":"%s","Mounts":[{"Type":"volume","Name":"%s","Destination":"/data"}]}' \
        "$1" "$2" >"$ROOT/containers/$1/config.json"
}

@test "create, ls, inspect a named volume" {
    run hoist volume create --label app=web --label tier data
    [ "$status" -eq 0 ]
    [ "$output" = data ]
    run hoist volume ls
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
    [ "${lines[1]}" = "local     data" ]
    run -0 hoist volume ls -q
    [ "$output" = data ]
    run hoist volume inspect data
    [ "$status" -eq 0 ]
    [ "$(jq -r '.[0].Name' <<<"$output")" = data ]
    [ "$(jq -r '.[0].Driver' <<<"$output")" = local ]
    [ "$(jq -r '.[0].Scope' <<<"$output")" = local ]
    [ "$(jq -r '.[0].Labels.app' <<<"$output")" = web ]
    [ "$(jq -r '.[0].Labels.tier' <<<"$output")" = "" ]
    [ "$(jq -r '.[0].Mountpoint' <<<"$output")" = "$ROOT/volumes/data/_data" ]
    [ "$(jq -r '.[0].Options | length' <<<"$output")" = 0 ]
    [[ "$(jq -r '.[0].CreatedAt' <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
    [ "$(jq -r '.[0] | has("HoistCopiedUp")' <<<"$output")" = false ]
    [ -d "$ROOT/volumes/data/_data" ]
    run hoist volume ls --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r .Name <<<"$output")" = data ]
    [ "$(jq -r .Labels <<<"$output")" = "app=web,tier=" ]
    [ "$(jq -r .Mountpoint <<<"$output")" = "$ROOT/volumes/data/_data" ]
    # --name, as docker accepts it too.
    run hoist volume create --name other
    [ "$status" -eq 0 ]
    [ "$output" = other ]
}

@test "an anonymous volume gets a 64-hex name and the anonymous label" {
    run hoist volume create
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    name=$output
    run -0 hoist volume inspect "$name"
    [ "$(jq -r '.[0].Labels | has("com.docker.volume.anonymous")' <<<"$output")" = true ]
}

@test "create is idempotent and keeps data; rm deletes it; re-create starts empty" {
    hoist volume create keep
    echo precious >"$ROOT/volumes/keep/_data/file"
    run hoist volume create keep
    [ "$status" -eq 0 ]
    [ "$output" = keep ]
    [ "$(cat "$ROOT/volumes/keep/_data/file")" = precious ]
    run hoist volume create -d local keep
    [ "$status" -eq 0 ]
    run hoist volume create -o type=tmpfs -o device=tmpfs keep
    [ "$status" -eq 1 ]
    [[ "$output" == *"volume keep already exists with different options"* ]]
    [ "$(cat "$ROOT/volumes/keep/_data/file")" = precious ]
    run hoist volume rm keep
    [ "$status" -eq 0 ]
    [ "$output" = keep ]
    [ ! -e "$ROOT/volumes/keep" ]
    hoist volume create keep
    [ -z "$(ls -A "$ROOT/volumes/keep/_data")" ]
}

@test "bad names, drivers, options and arguments are refused and create nothing" {
    for name in a -x a/b ../x .hidden "sp ace" 'x$y'; do
        run hoist volume create -- "$name"
        [ "$status" -ne 0 ]
        [[ "$output" == *"invalid volume name"* ]] || { echo "$name: $output"; false; }
    done
    run hoist volume create -d nfs v1
    [ "$status" -eq 1 ]
    [[ "$output" == *'driver "nfs" is not supported'* ]]
    run hoist volume create -o size=1m v1
    [ "$status" -eq 1 ]
    [[ "$output" == *'invalid option "size" for the local volume driver'* ]]
    run hoist volume create -o type=ext4 v1
    [ "$status" -eq 1 ]
    [[ "$output" == *"need device="* ]]
    run hoist volume create -o o=bind -o device=relative v1
    [ "$status" -eq 1 ]
    [[ "$output" == *"must be an absolute path"* ]]
    run hoist volume create -o type= v1
    [ "$status" -eq 1 ]
    [[ "$output" == *'"type" has an empty value'* ]]
    run hoist volume create --label =x v1
    [ "$status" -eq 1 ]
    [[ "$output" == *"the key is empty"* ]]
    run hoist volume create v1 v2
    [ "$status" -eq 125 ]
    [[ "$output" == *"at most one NAME"* ]]
    run hoist volume create --name v1 v2
    [ "$status" -eq 125 ]
    [[ "$output" == *"conflicting names"* ]]
    run hoist volume create --bogus v1
    [ "$status" -eq 125 ]
    run hoist volume create -o
    [ "$status" -eq 125 ]
    run hoist volume frobnicate
    [ "$status" -eq 125 ]
    [[ "$output" == *'unknown command "frobnicate"'* ]]
    run hoist volume
    [ "$status" -eq 125 ]
    store_empty
    run hoist volume ls -q
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "inspect and rm of missing volumes; rm -f ignores them" {
    hoist volume create here
    run hoist volume inspect here nothere
    [ "$status" -eq 1 ]
    [[ "$output" == *"no such volume: nothere"* ]]
    [[ "$output" == *'"Name": "here"'* ]]
    run hoist volume inspect
    [ "$status" -eq 125 ]
    run hoist volume inspect --bogus here
    [ "$status" -eq 125 ]
    # A template without actions is its own text, as docker prints it.
    run hoist volume inspect --format x here
    [ "$status" -eq 0 ]
    [ "$output" = x ]
    run hoist volume rm nothere
    [ "$status" -eq 1 ]
    [[ "$output" == *"no such volume: nothere"* ]]
    run hoist volume rm -f nothere here
    [ "$status" -eq 0 ]
    [ "$output" = here ]
    run hoist volume rm
    [ "$status" -eq 125 ]
    run hoist volume rm ../../etc
    [ "$status" -eq 1 ]
    [[ "$output" == *"invalid volume name"* ]]
    store_empty
}

@test "rm refuses a volume a container uses, even with -f; prune keeps it" {
    hoist volume create used
    hoist volume create free
    echo data >"$ROOT/volumes/used/_data/f"
    fake_user 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef used
    run hoist volume rm used
    [ "$status" -eq 1 ]
    [[ "$output" == *"remove used: volume is in use - [0123456789ab]"* ]]
    run hoist volume rm -f used
    [ "$status" -eq 1 ]
    [ "$(cat "$ROOT/volumes/used/_data/f")" = data ]
    run -0 hoist volume ls -q --filter dangling=true
    [ "$output" = free ]
    run -0 hoist volume ls -q --filter dangling=false
    [ "$output" = used ]
    run hoist volume prune -a -f
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Deleted Volumes:" ]
    [ "${lines[1]}" = free ]
    run -0 hoist volume ls -q
    [ "$output" = used ]
    rm -r "$ROOT/containers"
    run hoist volume rm used
    [ "$status" -eq 0 ]
}

@test "ls filters and formats" {
    hoist volume create --label env=prod alpha
    hoist volume create --label env=dev beta
    anon=$(hoist volume create)
    run -0 hoist volume ls -q --filter label=env=prod
    [ "$output" = alpha ]
    run -0 hoist volume ls -q -f label=env
    [ "${lines[*]}" = "alpha beta" ]
    run -0 hoist volume ls -q -f name=ph -f name=et
    [ "${lines[*]}" = "alpha beta" ]
    run -0 hoist volume ls -q -f driver=local -f label=com.docker.volume.anonymous
    [ "$output" = "$anon" ]
    run -0 hoist volume ls -q -f driver=other
    [ -z "$output" ]
    run hoist volume ls -f colour=red
    [ "$status" -eq 125 ]
    [[ "$output" == *'invalid filter "colour"'* ]]
    run hoist volume ls -f dangling=maybe
    [ "$status" -eq 125 ]
    run hoist volume ls -f noequals
    [ "$status" -eq 125 ]
    run hoist volume ls --format '{{.Name}}'
    [ "$status" -eq 125 ]
    [[ "$output" == *"unsupported format"* ]]
    run hoist volume ls extra
    [ "$status" -eq 125 ]
}

@test "prune removes unused anonymous volumes, named ones only with -a" {
    hoist volume create named
    hoist volume create --label keep=yes labelled
    anon=$(hoist volume create)
    head -c 2000 /dev/zero >"$ROOT/volumes/$anon/_data/blob"
    # Without -f it asks; anything but y keeps everything.
    run hoist volume prune <<<"n"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
    [ "$(hoist volume ls -q | wc -l)" -eq 3 ]
    run hoist volume prune -f
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Deleted Volumes:" ]
    [ "${lines[1]}" = "$anon" ]
    [ "${lines[2]}" = "Total reclaimed space: 2kB" ]
    run -0 hoist volume prune -f
    [ "$output" = "Total reclaimed space: 0B" ]
    run -0 hoist volume prune -a -f --filter label=keep=yes
    [ "${lines[1]}" = labelled ]
    run -0 hoist volume ls -q
    [ "$output" = named ]
    run hoist volume prune -f --filter dangling=true
    [ "$status" -eq 125 ]
    run hoist volume prune -f extra
    [ "$status" -eq 125 ]
    run hoist volume prune <<<"y"
    [ "$status" -eq 0 ]
    [ "$(hoist volume ls -q)" = named ]
}

@test "a tmpfs-backed volume: options recorded, rm unmounts it" {
    run hoist volume create -o type=tmpfs -o device=tmpfs -o o=size=1m,uid=1000 tv
    [ "$status" -eq 0 ]
    run -0 hoist volume inspect tv
    [ "$(jq -c '.[0].Options' <<<"$output")" = '{"device":"tmpfs","o":"size=1m,uid=1000","type":"tmpfs"}' ]
    # The engine mounts it on first use; stand in for that with the same mount.
    mp=$(hoist volume inspect tv | jq -r '.[0].Mountpoint')
    mount -t tmpfs -o size=1m,uid=1000 tmpfs "$mp"
    echo x >"$mp/f"
    grep -q " $mp tmpfs " /proc/mounts
    run hoist volume rm tv
    [ "$status" -eq 0 ]
    run grep -q " $mp " /proc/mounts
    [ "$status" -ne 0 ]
    [ ! -e "$ROOT/volumes/tv" ]
}

@test "a bind-backed volume: removing it leaves the backing directory alone" {
    mkdir "$TESTDIR/backing"
    echo mine >"$TESTDIR/backing/f"
    run hoist volume create -o type=none -o o=bind -o device="$TESTDIR/backing" bv
    [ "$status" -eq 0 ]
    mp="$ROOT/volumes/bv/_data"
    mount --bind "$TESTDIR/backing" "$mp"
    run hoist volume rm bv
    [ "$status" -eq 0 ]
    run grep -q " $mp " /proc/mounts
    [ "$status" -ne 0 ]
    [ "$(cat "$TESTDIR/backing/f")" = mine ]
}
