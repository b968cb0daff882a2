#!/usr/bin/env bats
# Image archives (load/save in docker-archive and OCI forms, skopeo interop, hostile
# archives), images with 100 layers, prune, rm refusal, history and ls --format json.

load helpers
bats_require_minimum_version 1.5.0

MK=$BATS_TEST_DIRNAME/image_archive_mk.py

setup() {
    hoist_setup
    CANARY=$TESTDIR/canary
    mkdir -p "$CANARY"
}

# The store holds no image, no layer and no leftover staging dir.
store_empty() {
    [ -z "$(ls -A "$ROOT/images/imagedb" 2>/dev/null)" ]
    [ -z "$(ls -A "$ROOT/images/layers" 2>/dev/null)" ]
    [ -z "$(ls -A "$ROOT/images/tmp" 2>/dev/null)" ]
    [ -z "$(ls -A "$ROOT/images/blobs/sha256" 2>/dev/null)" ]
}

# A hostile archive is refused with a message, and changes nothing.
refused() {
    local kind=$1 want=$2
    python3 "$MK" "$TESTDIR/$kind.tar" "$kind" "" "$CANARY"
    run hoist image load -i "$TESTDIR/$kind.tar"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"$want"* ]]
    [ -z "$(ls -A "$CANARY")" ]
    store_empty
    [ ! -e /etc/pwned ]
}

@test "save then load gives the same image id and a container runs from it" {
    import_busybox
    id=$(hoist image inspect busybox | jq -r '.[0].Id')
    hoist image save -o "$TESTDIR/bb.tar" busybox
    tar -tf "$TESTDIR/bb.tar" | grep -qx manifest.json
    tar -tf "$TESTDIR/bb.tar" | grep -qx index.json
    tar -tf "$TESTDIR/bb.tar" | grep -qx oci-layout
    # Deterministic: the same images give the same bytes.
    hoist image save busybox:latest >"$TESTDIR/bb2.tar"
    cmp "$TESTDIR/bb.tar" "$TESTDIR/bb2.tar"
    hoist image rm busybox
    run hoist image load -i "$TESTDIR/bb.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:latest" ]
    [ "$(hoist image inspect busybox | jq -r '.[0].Id')" = "$id" ]
    run hoist container run --rm busybox head -1 /etc/passwd
    [ "$status" -eq 0 ]
    [ "$output" = "root:x:0:0:root:/root:/bin/sh" ]
    # Loading again changes nothing; from stdin with -q.
    run hoist image load -q <"$TESTDIR/bb.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:latest" ]
    [ "$(hoist image ls -q | wc -l)" -eq 1 ]
    # On a terminal each layer is reported, unless -q.
    hoist image rm busybox
    load_tty() { script -qec "$HOIST_BIN --root $ROOT image load $* -i $TESTDIR/bb.tar" /dev/null; }
    run -0 load_tty
    [[ "$output" == *": Loading layer 1/1 done"*"Loaded image: busybox:latest"* ]]
    hoist image rm busybox
    run -0 load_tty -q
    [[ "$output" != *"Loading layer"* ]]
    [[ "$output" == *"Loaded image: busybox:latest"* ]]
}

@test "save by id gives an untagged image; two names of one image are saved once" {
    import_busybox
    hoist image tag busybox other:v1
    id=$(hoist image inspect busybox | jq -r '.[0].Id')
    hoist image save -o "$TESTDIR/two.tar" busybox other:v1
    [ "$(tar -xOf "$TESTDIR/two.tar" manifest.json | jq -c '.[0].RepoTags')" = '["busybox:latest","other:v1"]' ]
    [ "$(tar -xOf "$TESTDIR/two.tar" manifest.json | jq length)" -eq 1 ]
    hoist image save -o "$TESTDIR/id.tar" "${id#sha256:}"
    [ "$(tar -xOf "$TESTDIR/id.tar" manifest.json | jq -c '.[0].RepoTags')" = null ]
    hoist image rm -f "$id"
    run hoist image load -i "$TESTDIR/id.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image ID: $id" ]
}

@test "archives written by skopeo load: docker-archive, OCI archive (gzip and zstd)" {
    command -v skopeo || { echo "skopeo is required (scripts/install-deps.sh)"; false; }
    import_busybox
    hoist image save -o "$TESTDIR/bb.tar" busybox
    skopeo copy -q "docker-archive:$TESTDIR/bb.tar" "oci:$TESTDIR/oci:bb:latest"
    skopeo copy -q "oci:$TESTDIR/oci:bb:latest" "docker-archive:$TESTDIR/sk.tar:skopeo/bb:v1"
    run hoist image load -i "$TESTDIR/sk.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: skopeo/bb:v1" ]
    run -0 hoist container run --rm skopeo/bb:v1 echo from-skopeo
    [ "$output" = "from-skopeo" ]

    skopeo copy -q "oci:$TESTDIR/oci:bb:latest" "oci-archive:$TESTDIR/oci.tar:example.com/bb:gz"
    run hoist image load -i "$TESTDIR/oci.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: example.com/bb:gz" ]
    skopeo copy -q --dest-compress --dest-compress-format zstd "oci:$TESTDIR/oci:bb:latest" \
        "oci-archive:$TESTDIR/ociz.tar:example.com/bb:zstd"
    run hoist image load -i "$TESTDIR/ociz.tar"
    [ "$status" -eq 0 ]
    run -0 hoist container run --rm example.com/bb:zstd echo from-zstd
    [ "$output" = "from-zstd" ]
    # And what hoist saves, skopeo reads as an OCI archive too.
    skopeo inspect --raw "oci-archive:$TESTDIR/bb.tar" | jq -e '.layers | length == 1'
}

@test "podman loads what hoist saves; hoist loads podman's docker and OCI archives" {
    command -v podman || { echo "podman is required (scripts/install-deps.sh)"; false; }
    pod() { podman --root "$TESTDIR/podman" --runroot "$TESTDIR/podman-run" --storage-driver vfs "$@"; }
    import_busybox hoisted:1
    id=$(hoist image inspect hoisted:1 | jq -r '.[0].Id')
    hoist image save -o "$TESTDIR/h.tar" hoisted:1
    run pod load -i "$TESTDIR/h.tar"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Loaded image: localhost/hoisted:1"* || "$output" == *"Loaded image: docker.io/library/hoisted:1"* ]]
    [ "sha256:$(pod image inspect --format '{{.Id}}' hoisted:1)" = "$id" ]
    pod save -o "$TESTDIR/p-docker.tar" hoisted:1
    pod save --format oci-archive -o "$TESTDIR/p-oci.tar" hoisted:1
    hoist image rm hoisted:1 >/dev/null
    for a in p-docker p-oci; do
        run hoist image load -i "$TESTDIR/$a.tar"
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        [ "$(hoist container run --rm --network none "$(hoist image ls -q | head -1)" echo "$a")" = "$a" ]
        hoist image rm -f "$(hoist image ls -q | head -1)" >/dev/null
    done
    pod system reset -f >/dev/null 2>&1
}

@test "docker loads what hoist saves; hoist loads docker's save" {
    dockerd_start
    import_busybox hoisted:1
    id=$(hoist image inspect hoisted:1 | jq -r '.[0].Id')
    hoist image save -o "$TESTDIR/h.tar" hoisted:1
    run dk load -i "$TESTDIR/h.tar"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Loaded image: hoisted:1"* ]]
    # The same config, so the same image id; the same layers.
    [ "$(dk image inspect --format '{{.Id}}' hoisted:1)" = "$id" ]
    [ "$(dk image inspect --format '{{json .RootFS.Layers}}' hoisted:1 | jq -c .)" = \
        "$(hoist image inspect hoisted:1 | jq -c '.[0].RootFS.Layers')" ]
    dk tag hoisted:1 fromdocker:2
    dk save -o "$TESTDIR/d.tar" fromdocker:2
    hoist image rm hoisted:1 >/dev/null
    run hoist image load -i "$TESTDIR/d.tar"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$output" = "Loaded image: fromdocker:2" ]
    [ "$(hoist image inspect fromdocker:2 | jq -r '.[0].Id')" = "$id" ]
    [ "$(hoist container run --rm --network none fromdocker:2 echo from docker)" = "from docker" ]
}

@test "a 100-layer image loads, runs, and shows its history" {
    python3 "$MK" "$TESTDIR/many.tar" many:100 "$BUSYBOX_TAR"
    run hoist image load -i "$TESTDIR/many.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: many:latest" ]
    run hoist container run --rm many sh -c 'cat /layers/1 /layers/99; ls /layers | wc -l'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '1\n99\n99')" ]
    run -0 hoist image history many
    [ "${#lines[@]}" -eq 101 ]
    [[ "${lines[2]}" == "<missing>"*"layer 98"* ]]
    hoist image save -o "$TESTDIR/many2.tar" many
    hoist image rm many
    hoist image load -i "$TESTDIR/many2.tar"
    [ "$(hoist image inspect many | jq '.[0].RootFS.Layers | length')" -eq 100 ]
}

@test "hostile archives are refused and write nothing" {
    refused member-dotdot "points outside the archive"
    refused member-huge "more than the archive holds"
    refused manifest-outside "points outside the archive"
    refused manifest-symlink-outside "points outside the archive"
    refused layer-dotdot "layer 1"
    refused layer-symlink "symlink"
    refused layer-hardlink "hard link"
    refused layer-whiteout "malformed whiteout"
    refused layer-huge "over the limit"
    refused diff-mismatch "does not match the config's diff id"
    refused second-layer-bad "layer 2"
}

@test "bad load and save input gives clear errors" {
    run hoist image load -i "$TESTDIR/missing.tar"
    [ "$status" -ne 0 ]
    [[ "$output" == *"missing.tar"*"No such file"* ]]
    echo "not an archive" >"$TESTDIR/junk"
    run hoist image load -i "$TESTDIR/junk"
    [ "$status" -ne 0 ]
    [ -n "$output" ]
    tar -cf "$TESTDIR/empty.tar" -C "$TESTDIR" canary
    run hoist image load -i "$TESTDIR/empty.tar"
    [ "$status" -ne 0 ]
    [[ "$output" == *"neither a docker archive"* ]]
    run hoist image load extra
    [ "$status" -eq 125 ]
    run hoist image save -o "$TESTDIR/out.tar" nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such image: nosuch"* ]]
    [ ! -e "$TESTDIR/out.tar" ]
    [ -z "$(ls "$TESTDIR" | grep out.tar)" ]
    run hoist image save
    [ "$status" -eq 125 ]
    store_empty
}

@test "an OCI archive whose blob does not match its digest is refused" {
    command -v skopeo
    import_busybox
    hoist image save -o "$TESTDIR/bb.tar" busybox
    hoist image rm busybox
    mkdir "$TESTDIR/x"
    tar -xf "$TESTDIR/bb.tar" -C "$TESTDIR/x"
    rm "$TESTDIR/x/manifest.json"
    cfg=$(jq -r '.config.digest' "$TESTDIR/x/blobs/sha256/$(jq -r '.manifests[0].digest' "$TESTDIR/x/index.json" | cut -d: -f2)")
    echo ' ' >>"$TESTDIR/x/blobs/sha256/${cfg#sha256:}"
    tar -cf "$TESTDIR/bad.tar" -C "$TESTDIR/x" .
    run hoist image load -i "$TESTDIR/bad.tar"
    [ "$status" -ne 0 ]
    [[ "$output" == *"does not match its digest"* ]]
    store_empty
}

@test "prune removes dangling images, -a unused ones; rm refuses images in use" {
    import_busybox app:1
    hoist image import -m second "$BUSYBOX_TAR" app:1 >/dev/null # app:1 moves; the first dangles
    import_busybox used:1
    hoist image import -m third "$BUSYBOX_TAR" used:1 >/dev/null
    hoist image tag used:1 keep:1
    hoist container create --name c1 used:1 true >/dev/null
    [ "$(hoist image ls -q | wc -l)" -eq 4 ]
    run hoist image rm used:1
    [ "$status" -eq 0 ] # another name remains: only untagged
    run hoist image rm keep:1
    [ "$status" -ne 0 ]
    [[ "$output" == *"image is being used by container"* ]]
    run hoist image prune -f
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Deleted Images:" ]
    [[ "$output" == *"Total reclaimed space: "* ]]
    [ "$(hoist image ls -q | wc -l)" -eq 2 ]
    hoist image inspect app:1 keep:1 >/dev/null
    # Without -f it asks, and "n" keeps everything.
    run -0 hoist image prune -a <<<"n"
    [[ "$output" == *"Are you sure"* ]]
    [ "$(hoist image ls -q | wc -l)" -eq 2 ]
    run hoist image prune -a -f
    [ "$status" -eq 0 ]
    [[ "$output" == *"untagged: app:1"* ]]
    [ "$(hoist image ls -q | wc -l)" -eq 1 ]
    hoist image inspect keep:1 >/dev/null
    run -0 hoist image prune -a -f
    [ "$output" = "Total reclaimed space: 0B" ]
    run hoist image prune extra
    [ "$status" -eq 125 ]
    hoist container rm c1 >/dev/null
    run hoist image rm -f keep:1
    [ "$status" -eq 0 ]
}

@test "history shows docker's columns; ls --format json" {
    hoist image import -m "from a tarball" "$BUSYBOX_TAR" hist:1 >/dev/null
    id=$(hoist image inspect hist:1 | jq -r '.[0].Id')
    run hoist image history hist:1
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
    [[ "${lines[1]}" =~ ^${id:7:12}\ +.*\ ago\ +hoist\ image\ import\ +[0-9.]+MB\ +from\ a\ tarball$ ]]
    run -0 hoist image history -q --no-trunc hist:1
    [ "$output" = "$id" ]
    run -0 hoist image history --format json hist:1
    [ "$(echo "$output" | jq -r .ID)" = "${id:7:12}" ]
    [ "$(echo "$output" | jq -r .Comment)" = "from a tarball" ]
    run hoist image history nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such image: nosuch"* ]]
    run hoist image history
    [ "$status" -eq 125 ]
    run -0 hoist image ls --format json
    [ "$(echo "$output" | jq -r .Repository)" = hist ]
    [ "$(echo "$output" | jq -r .Tag)" = 1 ]
    [ "$(echo "$output" | jq -r .ID)" = "${id:7:12}" ]
}

@test "an OCI archive with a multi-platform index loads the host's image" {
    import_busybox
    id=$(hoist image inspect busybox | jq -r '.[0].Id')
    hoist image save -o "$TESTDIR/bb.tar" busybox
    hoist image rm busybox
    mkdir "$TESTDIR/x"
    tar -xf "$TESTDIR/bb.tar" -C "$TESTDIR/x"
    rm "$TESTDIR/x/manifest.json"
    case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
    python3 - "$TESTDIR/x" "$arch" <<'PY'
import hashlib, json, os, sys
d, arch = sys.argv[1:3]
idx = json.load(open(d + "/index.json"))
real = dict(idx["manifests"][0])
real.pop("annotations")
real["platform"] = {"os": "linux", "architecture": arch}
other = {"mediaType": real["mediaType"], "digest": "sha256:" + "f" * 64, "size": 1,
         "platform": {"os": "linux", "architecture": "s390x" if arch != "s390x" else "ppc64le"}}
unknown = {"mediaType": "application/vnd.example.unknown", "digest": "sha256:" + "e" * 64, "size": 1}
nested = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                     "manifests": [other, unknown, real]}).encode()
h = hashlib.sha256(nested).hexdigest()
open(d + "/blobs/sha256/" + h, "wb").write(nested)
idx["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json",
                     "digest": "sha256:" + h, "size": len(nested),
                     "annotations": {"org.opencontainers.image.ref.name": "multi.example/bb:1"}}]
json.dump(idx, open(d + "/index.json", "w"))
PY
    tar -cf "$TESTDIR/multi.tar" -C "$TESTDIR/x" .
    run hoist image load -i "$TESTDIR/multi.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: multi.example/bb:1" ]
    [ "$(hoist image inspect multi.example/bb:1 | jq -r '.[0].Id')" = "$id" ]
}
