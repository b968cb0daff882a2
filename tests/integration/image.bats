#!/usr/bin/env bats
# The image store: import, ls, inspect, tag, rm, layer sharing, commit, and hostile
# archives that must never write outside the store.

load helpers
bats_require_minimum_version 1.5.0

# mktar OUT KIND: write a hostile tar with python's tarfile. The canary is a path
# outside the store that no import may create or change.
mktar() {
    python3 - "$1" "$2" "$CANARY" <<'PY'
import io, sys, tarfile
out, kind, canary = sys.argv[1:4]
t = tarfile.open(out, "w", format=tarfile.GNU_FORMAT)
def add(name, data=b"pwned\n", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)
if kind == "absolute":
    add(canary + "/abs")
elif kind == "dotdot":
    add("ok")
    add("../../../../../../.." + canary + "/dotdot")
elif kind == "symlink":
    add("evil", type=tarfile.SYMTYPE, linkname=canary)
    add("evil/through")
elif kind == "symlink-dir":
    add("evil", type=tarfile.SYMTYPE, linkname=canary)
    add("evil/sub", type=tarfile.DIRTYPE, mode=0o755)
elif kind == "hardlink-out":
    add("h", type=tarfile.LNKTYPE, linkname="../../../../../.." + canary + "/target")
elif kind == "hardlink-abs":
    add("h", type=tarfile.LNKTYPE, linkname=canary + "/target")
elif kind == "hardlink-missing":
    add("h", type=tarfile.LNKTYPE, linkname="missing")
elif kind == "hardlink-via-symlink":
    add("evil", type=tarfile.SYMTYPE, linkname=canary)
    add("h", type=tarfile.LNKTYPE, linkname="evil/target")
elif kind == "huge":
    ti = tarfile.TarInfo("huge")
    ti.size = 1 << 40
    t.fileobj.write(ti.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
    t.fileobj.write(b"\0" * 4096)
elif kind == "whiteout-parent":
    add("d", type=tarfile.DIRTYPE, mode=0o755)
    add("d/.wh...", data=b"")
elif kind == "whiteouts":
    add("d", type=tarfile.DIRTYPE, mode=0o755)
    add("d/.wh..wh..opq", data=b"")
    add("d/kept")
    add(".wh.gone", data=b"")
    add("dev", type=tarfile.DIRTYPE, mode=0o755)
    add("dev/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
    add("owned", uid=1234, gid=5678, mode=0o4750, mtime=1000000000)
    add("link", type=tarfile.LNKTYPE, linkname="owned")
    add("sym", type=tarfile.SYMTYPE, linkname="/etc/passwd")
t.close()
PY
}

setup() {
    hoist_setup
    CANARY=$TESTDIR/canary
    mkdir -p "$CANARY"
    echo original >"$CANARY/target"
}

teardown() {
    hoist_teardown
}

# Nothing of a failed import may remain: no image, layer, blob or staging dir.
assert_store_empty() {
    [ -z "$(hoist image ls -q)" ]
    [ -z "$(ls -A "$ROOT/images/tmp" 2>/dev/null)" ]
    [ -z "$(ls -A "$ROOT/images/layers" 2>/dev/null)" ]
    [ -z "$(ls -A "$ROOT/images/blobs/sha256" 2>/dev/null)" ]
}

assert_canary_intact() {
    [ "$(ls -A "$CANARY")" = target ]
    [ "$(cat "$CANARY/target")" = original ]
}

reject_tar() {
    mktar "$TESTDIR/bad.tar" "$1"
    run hoist image import "$TESTDIR/bad.tar" bad:1
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"$2"* ]]
    assert_canary_intact
    assert_store_empty
}

@test "import with changes, ls table and json, inspect" {
    run hoist image import -c 'CMD ["/bin/sh", "-c", "echo hi"]' -c 'ENV A=1 B="two words"' \
        -c 'WORKDIR /tmp' -c 'USER app' -c 'EXPOSE 80 53/udp' -c 'LABEL a=b' \
        -c 'VOLUME /data' -c 'STOPSIGNAL SIGINT' -c 'ENTRYPOINT echo x' -m imported \
        "$BUSYBOX_TAR" busybox
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    id=$output
    run hoist image ls
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
    [[ "${lines[1]}" =~ ^busybox\ +latest\ +${id:7:12}\ +.*ago\ +[0-9.]+MB$ ]]
    run -0 hoist image ls --format json
    [ "$(echo "$output" | jq -r .Repository)" = busybox ]
    [ "$(echo "$output" | jq -r .Tag)" = latest ]
    [ "$(echo "$output" | jq -r .ID)" = "${id:7:12}" ]
    [ "$(hoist image ls -q --no-trunc)" = "$id" ]
    run hoist image inspect busybox:latest
    [ "$status" -eq 0 ]
    j=$output
    [ "$(echo "$j" | jq -r '.[0].Id')" = "$id" ]
    [ "$(echo "$j" | jq -r '.[0].RepoTags[0]')" = busybox:latest ]
    [ "$(echo "$j" | jq -c '.[0].Config.Cmd')" = '["/bin/sh","-c","echo hi"]' ]
    [ "$(echo "$j" | jq -c '.[0].Config.Entrypoint')" = '["/bin/sh","-c","echo x"]' ]
    [ "$(echo "$j" | jq -c '.[0].Config.Env')" = '["A=1","B=two words"]' ]
    [ "$(echo "$j" | jq -r '.[0].Config.WorkingDir')" = /tmp ]
    [ "$(echo "$j" | jq -r '.[0].Config.User')" = app ]
    [ "$(echo "$j" | jq -c '.[0].Config.ExposedPorts')" = '{"53/udp":{},"80/tcp":{}}' ]
    [ "$(echo "$j" | jq -r '.[0].Config.Labels.a')" = b ]
    [ "$(echo "$j" | jq -c '.[0].Config.Volumes')" = '{"/data":{}}' ]
    [ "$(echo "$j" | jq -r '.[0].Config.StopSignal')" = SIGINT ]
    [ "$(echo "$j" | jq -r '.[0].Comment')" = imported ]
    [ "$(echo "$j" | jq -r '.[0].Os')" = linux ]
    [ "$(echo "$j" | jq -r '.[0].RootFS.Layers | length')" = 1 ]
    # The id is the digest of the stored config, the layer blob's digest its diff id.
    hex=${id#sha256:}
    [ "$(sha256sum <"$ROOT/images/blobs/sha256/$hex" | cut -d' ' -f1)" = "$hex" ]
    diff=$(echo "$j" | jq -r '.[0].RootFS.Layers[0]')
    [ "$(sha256sum <"$ROOT/images/blobs/sha256/${diff#sha256:}" | cut -d' ' -f1)" = "${diff#sha256:}" ]
    # The unpacked layer is the fixture's tree, owners and modes included.
    layer=$(echo "$j" | jq -r '.[0].GraphDriver.Data.LowerDirs[0]')
    diff -r --no-dereference "$BUSYBOX_ROOTFS" "$layer"
    [ "$(stat -c %u:%g "$layer/home/app")" = 1000:1000 ]
    [ "$(stat -c %a "$layer/tmp")" = 1777 ]
    # A container runs on it with the image's config.
    run hoist container run --rm --network none --entrypoint "" busybox sh -c 'echo $B; pwd; id -u'
    [ "$status" -eq 0 ]
    [ "$output" = "two words
/tmp
1000" ]
}

@test "a compressed tar gives the same layer as the plain one" {
    hoist image import "$BUSYBOX_TAR" plain
    gzip -c "$BUSYBOX_TAR" >"$TESTDIR/bb.tar.gz"
    hoist image import - gz <"$TESTDIR/bb.tar.gz"
    [ "$(hoist image inspect plain | jq -r '.[0].RootFS.Layers[0]')" = \
        "$(hoist image inspect gz | jq -r '.[0].RootFS.Layers[0]')" ]
    [ "$(ls "$ROOT/images/layers" | wc -l)" = 1 ]
}

@test "import from stdin, by id prefix, untagged image" {
    id=$(hoist image import - <"$BUSYBOX_TAR")
    run -0 hoist image ls
    [[ "${lines[1]}" =~ ^\<none\>\ +\<none\>\ +${id:7:12} ]]
    [ "$(hoist image inspect "${id:7:5}" | jq -r '.[0].Id')" = "$id" ]
    [ "$(hoist image inspect "$id" | jq -r '.[0].Comment')" = "Imported from -" ]
}

@test "tag, names normalised, rm untags then deletes" {
    id=$(hoist image import "$BUSYBOX_TAR" busybox)
    hoist image tag busybox localhost:5000/team/app:v2
    hoist image tag "${id:7:12}" docker.io/library/busybox:other
    run -0 jq -r 'keys[]' "$ROOT/images/repositories.json"
    [ "$output" = "docker.io/library/busybox:latest
docker.io/library/busybox:other
localhost:5000/team/app:v2" ]
    run -0 hoist image ls
    [ "${#lines[@]}" -eq 4 ]
    [[ "$output" == *"localhost:5000/team/app   v2"* ]]
    run hoist image rm "${id:7:12}"
    [ "$status" -ne 0 ]
    [[ "$output" == *"referenced in multiple repositories"* ]]
    run hoist image rm busybox localhost:5000/team/app:v2
    [ "$status" -eq 0 ]
    [ "$output" = "Untagged: busybox:latest
Untagged: localhost:5000/team/app:v2" ]
    [ -n "$(ls -A "$ROOT/images/layers")" ]
    run hoist image rm busybox:other
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" = "Untagged: busybox:other" ]]
    [[ "${lines[1]}" = "Deleted: $id" ]]
    assert_store_empty
}

@test "bad names, tags, references and options are rejected" {
    for name in UPPER:1 'a:b:c' 'bad name' 'x:' 'a//b' '-lead' "$(printf 'a%.0s' {1..300})"; do
        run hoist image import "$BUSYBOX_TAR" "$name"
        echo "$name: $output"
        [ "$status" -ne 0 ]
        [[ "$output" == "hoist: invalid reference format: "* ]]
        [[ "$output" != *"Invalid argument"* ]]
    done
    run hoist image import "$BUSYBOX_TAR" "$(printf 'ab%.0s' {1..32})"
    [ "$status" -ne 0 ]
    [[ "$output" == *"reserved for image ids"* ]]
    assert_store_empty
    id=$(hoist image import "$BUSYBOX_TAR" busybox)
    run hoist image tag busybox 'Bad:tag'
    [ "$status" -ne 0 ]
    [[ "$output" == *"must be lowercase"* ]]
    run hoist image tag nosuch x
    [ "$status" -ne 0 ]
    [ "$output" = "hoist: No such image: nosuch" ]
    run hoist image inspect nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such image: nosuch"* ]]
    run hoist image rm nosuch
    [ "$status" -ne 0 ]
    run hoist image ls --format yaml
    [ "$status" -ne 0 ]
    [[ "$output" == *"unsupported format"* ]]
    run hoist image import
    [ "$status" -ne 0 ]
    run hoist image frobnicate
    [ "$status" -ne 0 ]
}

@test "ambiguous id prefix is an error" {
    for i in $(seq 1 20); do hoist image import "$BUSYBOX_TAR" >/dev/null; done
    # 20 ids over 16 first digits: some first digit is shared.
    p=$(hoist image ls -q | cut -c1 | sort | uniq -d | head -1)
    [ -n "$p" ]
    run hoist image inspect "$p"
    [ "$status" -ne 0 ]
    [[ "$output" == *"ambiguous"* ]]
}

@test "bad --change instructions are named" {
    for c in 'RUN echo' 'FROM x' 'CMD' 'ENV' 'ENV =x' 'EXPOSE 70000' 'EXPOSE 80/foo' \
        'STOPSIGNAL SIGNOPE' 'VOLUME rel' 'LABEL novalue' 'USER a b' 'ENV A="open'; do
        run hoist image import -c "$c" "$BUSYBOX_TAR" x
        echo "$c: $output"
        [ "$status" -ne 0 ]
        ins=${c%% *}
        [[ "$output" == *"$ins"* ]]
    done
    assert_store_empty
}

@test "the same tar imported twice shares its layer and is not unpacked again" {
    a=$(hoist image import "$BUSYBOX_TAR" a)
    layer=$(ls "$ROOT/images/layers")
    ino=$(stat -c %i "$ROOT/images/layers/$layer/diff/bin/busybox")
    b=$(hoist image import "$BUSYBOX_TAR" b)
    [ "$a" != "$b" ]
    [ "$(ls "$ROOT/images/layers")" = "$layer" ]
    [ "$(stat -c %i "$ROOT/images/layers/$layer/diff/bin/busybox")" = "$ino" ]
    hoist image rm a
    [ -d "$ROOT/images/layers/$layer/diff/bin" ]
    hoist image rm b
    assert_store_empty
}

@test "an image used by a container is kept until forced" {
    id=$(hoist image import "$BUSYBOX_TAR" busybox)
    cid=$(hoist container create --network none busybox true)
    run hoist image rm busybox
    [ "$status" -ne 0 ]
    [[ "$output" == *"being used by container"* ]]
    run hoist image rm -f busybox
    [ "$status" -eq 0 ]
    [ "$output" = "Untagged: busybox:latest" ]
    # The data stays for the container.
    [ "$(hoist image ls -q --no-trunc)" = "$id" ]
    hoist container rm "$cid"
    run hoist image rm "$id"
    [ "$status" -eq 0 ]
    assert_store_empty
}

# An import or pull has made its stage.
staged() {
    [ -n "$(ls -A "$ROOT/images/tmp" 2>/dev/null)" ]
}

@test "a failed or interrupted import leaves nothing" {
    run hoist image import "$TESTDIR/nonexistent.tar" x
    [ "$status" -ne 0 ]
    [[ "$output" == *"nonexistent.tar"* ]]
    head -c 300000 "$BUSYBOX_TAR" >"$TESTDIR/trunc.tar"
    run hoist image import "$TESTDIR/trunc.tar" x
    [ "$status" -ne 0 ]
    echo "not a tar" >"$TESTDIR/junk"
    run hoist image import "$TESTDIR/junk" x
    [ "$status" -ne 0 ]
    assert_store_empty
    # SIGTERM while reading: the helper cleans up after itself.
    mkfifo "$TESTDIR/fifo"
    hoist image import "$TESTDIR/fifo" killed 3>&- &
    cli=$!
    exec 8>"$TESTDIR/fifo"
    head -c 400000 "$BUSYBOX_TAR" >&8
    wait_until staged
    helper=$(pgrep -f "hoist-image import --root $ROOT ")
    kill -TERM "$helper"
    exec 8>&-
    run wait "$cli"
    [ "$status" -ne 0 ]
    assert_store_empty
    # SIGKILL cannot be cleaned at once: the next import removes the leftovers.
    hoist image import "$TESTDIR/fifo" killed 3>&- &
    cli=$!
    exec 8>"$TESTDIR/fifo"
    head -c 400000 "$BUSYBOX_TAR" >&8
    wait_until staged
    helper=$(pgrep -f "hoist-image import --root $ROOT ")
    kill -KILL "$helper"
    exec 8>&-
    run wait "$cli"
    [ "$status" -ne 0 ]
    [ -z "$(hoist image ls -q)" ]
    [ -n "$(ls -A "$ROOT/images/tmp")" ]
    run hoist image import "$TESTDIR/junk" x
    [ "$status" -ne 0 ]
    assert_store_empty
}

@test "absolute names are made relative" {
    mktar "$TESTDIR/abs.tar" absolute
    run hoist image import "$TESTDIR/abs.tar" abs
    [ "$status" -eq 0 ]
    assert_canary_intact
    layer=$(hoist image inspect abs | jq -r '.[0].GraphDriver.Data.LowerDirs[0]')
    [ "$(cat "$layer/${CANARY#/}/abs")" = pwned ]
}

@test "../ traversal is rejected" {
    reject_tar dotdot '".." component'
}

@test "a whiteout of a directory's parent is rejected" {
    reject_tar whiteout-parent "malformed whiteout"
}

@test "a write through a symlink entry is rejected" {
    reject_tar symlink "goes through a symlink"
    reject_tar symlink-dir "goes through a symlink"
}

@test "hard links out of the layer are rejected" {
    reject_tar hardlink-out '".." component'
    reject_tar hardlink-abs "not an earlier file"
    reject_tar hardlink-via-symlink "not an earlier file"
}

@test "a hard link to a missing target is rejected" {
    reject_tar hardlink-missing "not an earlier file"
}

@test "an absurd entry size is rejected before reading data" {
    reject_tar huge "exceeds the limit"
}

@test "whiteouts, devices, owners, modes, hard links and times are kept" {
    mktar "$TESTDIR/w.tar" whiteouts
    hoist image import "$TESTDIR/w.tar" w
    layer=$(hoist image inspect w | jq -r '.[0].GraphDriver.Data.LowerDirs[0]')
    [ "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$layer/d")" = y ]
    [ ! -e "$layer/d/.wh..wh..opq" ]
    [ "$(stat -c '%F %t:%T' "$layer/gone")" = "character special file 0:0" ]
    [ "$(stat -c '%F %t:%T %a' "$layer/dev/null")" = "character special file 1:3 666" ]
    [ "$(stat -c '%u:%g %a %Y' "$layer/owned")" = "1234:5678 4750 1000000000" ]
    [ "$(stat -c %i "$layer/owned")" = "$(stat -c %i "$layer/link")" ]
    [ "$(readlink "$layer/sym")" = /etc/passwd ]
}

@test "commit turns an upper dir into a layer on the parent" {
    hoist image import -c 'CMD ["/bin/sh"]' "$BUSYBOX_TAR" busybox
    up=$TESTDIR/upper
    mkdir -p "$up/home/app" "$up/bin"
    echo new >"$up/new"
    mknod "$up/bin/arch" c 0 0
    python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$up/home/app"
    echo inner >"$up/home/app/only"
    ln "$up/new" "$up/new2"
    python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$up/sock"
    run "$HOIST_BUILD_DIR/hoist-image" commit --root "$ROOT" --upper "$up" --parent busybox \
        -c 'ENV C=1' -m msg --author me committed:v1
    [ "$status" -eq 0 ]
    id=$output
    j=$(hoist image inspect committed:v1)
    [ "$(echo "$j" | jq -r '.[0].Id')" = "$id" ]
    [ "$(echo "$j" | jq -r '.[0].RootFS.Layers | length')" = 2 ]
    [ "$(echo "$j" | jq -c '.[0].Config.Cmd')" = '["/bin/sh"]' ]
    [ "$(echo "$j" | jq -c '.[0].Config.Env')" = '["C=1"]' ]
    [ "$(echo "$j" | jq -r '.[0].Author')" = me ]
    diff=$(echo "$j" | jq -r '.[0].RootFS.Layers[1]')
    run -0 tar -tf "$ROOT/images/blobs/sha256/${diff#sha256:}"
    [[ "$output" == *"bin/.wh.arch"* ]]
    [[ "$output" == *"home/app/.wh..wh..opq"* ]]
    run hoist container run --rm --network none committed:v1 sh -c \
        'cat /new /new2; ls /home/app; test -e /bin/arch || echo gone; test -e /sock || echo nosock; echo $C'
    [ "$status" -eq 0 ]
    [ "$output" = "new
new
only
gone
nosock
1" ]
    # The parent's layer is shared, removing the child keeps it.
    hoist image rm committed:v1
    [ "$(ls "$ROOT/images/layers" | wc -l)" = 1 ]
    hoist container run --rm --network none busybox test -L /bin/arch
    run "$HOIST_BUILD_DIR/hoist-image" commit --root "$ROOT" --upper "$up" --parent nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such image: nosuch"* ]]
}

@test "ls filters: REPOSITORY[:TAG], reference= with wildcards, dangling=; -q names each image once" {
    id=$(hoist image import "$BUSYBOX_TAR" busybox)
    hoist image tag busybox busybox:1.36
    hoist image tag busybox localhost:5000/team/app:v2
    other=$(hoist image import -c "ENV X=1" "$BUSYBOX_TAR")
    run -0 hoist image ls busybox
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[1]}" == "busybox "*"1.36 "* || "${lines[1]}" == "busybox "*"latest "* ]]
    [[ "$output" != *"team/app"* && "$output" != *"<none>"* ]]
    run -0 hoist image ls busybox:1.36
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" == "busybox "*"1.36 "* ]]
    run -0 hoist image ls -f 'reference=localhost:5000/*/*'
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" == "localhost:5000/team/app "* ]]
    run -0 hoist image ls -f 'reference=*:1.*' -f reference=nothing
    [ "${#lines[@]}" -eq 2 ]
    run -0 hoist image ls -q -f dangling=true
    [ "$output" = "${other:7:12}" ]
    run -0 hoist image ls -q --no-trunc -f dangling=false
    [ "$output" = "$id" ]
    run -0 hoist image ls -q
    [ "${#lines[@]}" -eq 2 ]
    run hoist image ls --filter dangling=maybe
    [ "$status" -eq 125 ]
    [[ "$output" == *"dangling is true or false"* ]]
    run hoist image ls -f label=x
    [ "$status" -eq 125 ]
    [[ "$output" == *'invalid filter "label=x"'* ]]
    run hoist image ls a b
    [ "$status" -eq 125 ]
}
