#!/usr/bin/env bats
# Pulls of images built here and pushed as built (regimage.py): whiteouts, 100 layers,
# uncompressed layers; htpasswd auth; /etc/hoist/registries.json (insecure registries,
# docker.io mirrors); concurrent and killed pulls.

load helpers
bats_require_minimum_version 1.5.0
load registry

setup() {
    registry_setup
    export HOIST_REGISTRIES_CONFIG=$TESTDIR/registries.json
}

teardown() {
    registry_teardown
}

mkimage() { # mkimage REGISTRY NAME:TAG MODE [N] [--user=U:P]
    python3 "$REGFIX/regimage.py" "$1" "$2" "$BUSYBOX_TAR" "${@:3}"
}

run_in() { # run_in IMAGE CMD...: the command's output in a throwaway container
    hoist container run --rm --network none "$@"
}

@test "pull: whiteouts of a file and a directory and an opaque directory hide what is below" {
    mkimage "$REG" t/wh:1 whiteouts
    hoist image pull -q "$REG/t/wh:1"
    top=$(hoist image inspect "$REG/t/wh:1" | jq -r '.[0].GraphDriver.Data.LowerDirs[0]')
    [ "$(stat -c '%F %t:%T' "$top/b")" = "character special file 0:0" ]
    [ "$(stat -c '%F %t:%T' "$top/c")" = "character special file 0:0" ]
    [ "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$top/a")" = y ]
    run run_in "$REG/t/wh:1" sh -c 'ls /a; ls /b /c 2>&1; cat /d/keep'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = new ]
    [[ "$output" == *"/b: No such file or directory"* ]]
    [[ "$output" == *"/c: No such file or directory"* ]]
    [ "${lines[3]}" = keep ]
}

@test "pull: a 100-layer image mounts and runs; an uncompressed layer" {
    mkimage "$REG" t/many:1 many 100
    hoist image pull -q "$REG/t/many:1"
    [ "$(hoist image inspect "$REG/t/many:1" | jq '.[0].RootFS.Layers | length')" -eq 101 ]
    run run_in "$REG/t/many:1" sh -c 'ls /l | wc -l; cat /l/0 /l/99'
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(echo "$output" | tr -d ' \n')" = 100099 ]
    mkimage "$REG" t/plain:1 plain
    curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://$REG/v2/t/plain/manifests/1" | jq -e '.layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar"'
    hoist image rm "$REG/t/many:1" >/dev/null
    hoist image pull -q "$REG/t/plain:1"
    [ "$(run_in "$REG/t/plain:1" echo plain)" = plain ]
}

@test "pull: layers larger than their ring buffer arrive whole (transfers pause and resume)" {
    # 24 MB of random bytes over loopback outruns the unpacking: each 1 MB layer ring
    # fills, its transfer pauses and resumes; any byte lost or doubled fails a digest.
    mkimage "$REG" t/big:1 big 3
    run hoist image pull "$REG/t/big:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run run_in "$REG/t/big:1" sh -c 'cd /big && cat 0.sum 1.sum 2.sum | sha256sum -c'
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(echo "$output" | grep -c ': OK$')" -eq 3 ]
}

@test "pull: htpasswd Basic auth: refused without credentials, works after login" {
    htpasswd -Bbn user secret >"$TESTDIR/htpasswd"
    port=$(free_port)
    registry_start auth 127.0.0.1 "$port" "auth:
  htpasswd:
    realm: hoist-test
    path: $TESTDIR/htpasswd"
    mkimage "127.0.0.1:$port" t/bb:1 plain --user=user:secret
    export DOCKER_CONFIG=$TESTDIR/docker
    run hoist image pull "127.0.0.1:$port/t/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"unauthorized: authentication required (HTTP 401)"* ]]
    assert_store_empty
    run hoist login -u user -p wrong "127.0.0.1:$port"
    [ "$status" -ne 0 ]
    [[ "$output" == *"incorrect username or password"* ]]
    hoist login -u user -p secret "127.0.0.1:$port"
    run hoist image pull -q "127.0.0.1:$port/t/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(run_in "127.0.0.1:$port/t/bb:1" echo authed)" = authed ]
}

@test "registries.json: insecure registries by host or CIDR, --tls-verify=false, TLS with a self-signed certificate" {
    # A non-loopback address (in this test's own network namespace): not insecure by default.
    ip addr add 10.254.7.1/32 dev lo
    p1=$(free_port)
    registry_start plain 10.254.7.1 "$p1"
    mkimage "10.254.7.1:$p1" t/bb:1 plain
    run hoist image pull -q "10.254.7.1:$p1/t/bb:1"
    [ "$status" -ne 0 ]
    assert_store_empty
    printf '{"insecure-registries": ["10.254.7.1:%s"]}\n' "$p1" >"$HOIST_REGISTRIES_CONFIG"
    hoist image pull -q "10.254.7.1:$p1/t/bb:1"
    hoist image rm "10.254.7.1:$p1/t/bb:1" >/dev/null
    echo '{"insecure-registries": ["10.254.0.0/16"]}' >"$HOIST_REGISTRIES_CONFIG"
    hoist image pull -q "10.254.7.1:$p1/t/bb:1"
    hoist image rm "10.254.7.1:$p1/t/bb:1" >/dev/null
    rm "$HOIST_REGISTRIES_CONFIG"
    hoist image pull -q --tls-verify=false "10.254.7.1:$p1/t/bb:1"
    hoist image rm "10.254.7.1:$p1/t/bb:1" >/dev/null

    # TLS with a certificate nobody signed: refused unless the registry is insecure.
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=reg \
        -addext subjectAltName=IP:10.254.7.1 -keyout "$TESTDIR/key.pem" -out "$TESTDIR/cert.pem" 2>/dev/null
    p2=$(free_port)
    registry_start tls 10.254.7.1 "$p2" "  tls:
    certificate: $TESTDIR/cert.pem
    key: $TESTDIR/key.pem"
    curl -sk "https://10.254.7.1:$p2/v2/" >/dev/null
    python3 - "$REGFIX/regimage.py" "10.254.7.1:$p2" "$BUSYBOX_TAR" <<'PY'
import runpy, ssl, sys, http.client
# The pusher speaks plain HTTP; give it TLS without verification for this registry.
ctx = ssl._create_unverified_context()
http.client.HTTPConnection = lambda host: http.client.HTTPSConnection(host, context=ctx)
sys.argv = [sys.argv[1], sys.argv[2], "t/bb:1", sys.argv[3], "plain"]
runpy.run_path(sys.argv[0], run_name="__main__")
PY
    run hoist image pull -q "10.254.7.1:$p2/t/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"certificate"* ]]
    assert_store_empty
    echo '{"insecure-registries": ["10.254.7.0/24"]}' >"$HOIST_REGISTRIES_CONFIG"
    hoist image pull -q "10.254.7.1:$p2/t/bb:1"
    [ "$(run_in "10.254.7.1:$p2/t/bb:1" echo tls)" = tls ]
}

@test "registries.json: a bad file is an error naming it, line and column; nothing is pulled" {
    mkimage "$REG" t/bb:1 plain
    printf '{\n  "insecure-registries": [\n    "a",\n  ]\n}\n' >"$HOIST_REGISTRIES_CONFIG"
    run hoist image pull "$REG/t/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"$HOIST_REGISTRIES_CONFIG:4:3:"* ]]
    echo '{"insecure-registry": ["a"]}' >"$HOIST_REGISTRIES_CONFIG"
    run hoist image pull "$REG/t/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *'unknown key "insecure-registry"'* ]]
    echo '{"registry-mirrors": ["mirror.example"]}' >"$HOIST_REGISTRIES_CONFIG"
    run hoist image pull "$REG/t/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *'mirror "mirror.example" must start with http:// or https://'* ]]
    assert_store_empty
}

@test "registries.json: a docker.io image comes from the first mirror that has it" {
    mkimage "$REG" library/mirrored:1 plain
    proxy plain
    other=$(free_port) # nothing listens there: the first mirror is down
    printf '{"registry-mirrors": ["http://127.0.0.1:%s", "http://%s"]}\n' "$other" "$PROXY" \
        >"$HOIST_REGISTRIES_CONFIG"
    run hoist image pull mirrored:1
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Status: Downloaded newer image for mirrored:1"* ]]
    grep -q '^/v2/library/mirrored/manifests/1' "$TESTDIR/proxy.log"
    grep -q '^/v2/library/mirrored/blobs/' "$TESTDIR/proxy.log"
    [ "$(hoist image ls --format json | jq -r '.Repository')" = mirrored ]
}

@test "a pulled image keeps its compressed blobs: save writes them, hoist, podman, docker and skopeo load that" {
    mkimage "$REG" t/wh:1 whiteouts
    hoist image pull -q "$REG/t/wh:1"
    id=$(hoist image inspect "$REG/t/wh:1" | jq -r '.[0].Id')
    # The store keeps what the registry served, named by its digest.
    for d in $(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json'         "http://$REG/v2/t/wh/manifests/1" | jq -r '.layers[].digest'); do
        cmp "$ROOT/images/blobs/sha256/${d#sha256:}" "$TESTDIR/registry/docker/registry/v2/blobs/sha256/${d:7:2}/${d#sha256:}/data"
    done
    hoist image save -o "$TESTDIR/wh.tar" "$REG/t/wh:1"
    tar -xOf "$TESTDIR/wh.tar" index.json | jq -r '.manifests[0].digest' >"$TESTDIR/mdigest"
    tar -xOf "$TESTDIR/wh.tar" "blobs/sha256/$(cut -c8- "$TESTDIR/mdigest")" |
        jq -e '[.layers[].mediaType] | all(. == "application/vnd.oci.image.layer.v1.tar+gzip")'
    [ "$(skopeo inspect "docker-archive:$TESTDIR/wh.tar" | jq -r '.Layers | length')" -eq 3 ]
    podman --root "$TESTDIR/podman" --runroot "$TESTDIR/podman-run" --storage-driver vfs load -i "$TESTDIR/wh.tar"
    podman --root "$TESTDIR/podman" --runroot "$TESTDIR/podman-run" --storage-driver vfs system reset -f >/dev/null 2>&1
    # docker 20.10 takes gzip layers in a docker-archive too, and computes the same id.
    dockerd_start
    run dk load -i "$TESTDIR/wh.tar"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(dk image inspect --format '{{.Id}}' "$REG/t/wh:1")" = "$id" ]
    dockerd_stop
    hoist image rm "$REG/t/wh:1" >/dev/null
    [ -z "$(ls "$ROOT/images/blobs/sha256")" ]
    hoist image load -i "$TESTDIR/wh.tar"
    [ "$(hoist image inspect "$REG/t/wh:1" | jq -r '.[0].Id')" = "$id" ]
    run -0 run_in "$REG/t/wh:1" sh -c 'ls /a; cat /d/keep'
    [ "$output" = "$(printf 'new\nkeep')" ]
}

@test "concurrent pulls of the same and of overlapping images are all stored once" {
    for i in 1 2 3; do mkimage "$REG" "t/s$i:1" shared "$i"; done
    pids=()
    for name in s1 s2 s3 s1 s2; do
        hoist image pull -q "$REG/t/$name:1" >"$TESTDIR/pull-$name-${#pids[@]}.log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    [ "$(hoist image ls -q | sort -u | wc -l)" -eq 3 ]
    # The busybox base once, and one layer per image on top of it.
    [ "$(ls "$ROOT/images/layers" | wc -l)" -eq 4 ]
    [ -z "$(ls "$ROOT/images/tmp")" ]
    for i in 1 2 3; do [ "$(run_in "$REG/t/s$i:1" cat "/shared/$i")" = "$i" ]; done
}

@test "pull on a terminal draws a bar per layer with bytes and speed; plain lines otherwise" {
    mkimage "$REG" t/bb:1 plain
    proxy slow
    run script -qec "$HOIST_BIN --root $ROOT image pull $PROXY/t/bb:1" /dev/null
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *$'\e[1A'* ]] # lines redrawn in place
    [[ "$output" == *": Downloading ["*"=>"*"kB/"*"MB "*"B/s"* ]]
    [[ "$output" == *": Pull complete"* ]]
    hoist image rm "$PROXY/t/bb:1" >/dev/null
    run -0 hoist image pull "$REG/t/bb:1"
    [[ "$output" != *$'\e['* ]]
    [[ "$output" == *": Pulling fs layer"*": Download complete"*": Pull complete"* ]]
}

held() {
    grep -q '^held ' "$TESTDIR/proxy.log" 2>/dev/null
}

# kill_pull SIGNAL: a pull through the holding proxy, signalled while it is in the middle
# of a blob (the proxy sends no more of it); its status is the CLI's.
kill_pull() {
    : >"$TESTDIR/proxy.log"
    hoist image pull -q "$PROXY/t/bb:1" 3>&- &
    local cli=$!
    wait_until held
    [ -n "$(ls -A "$ROOT/images/tmp" 2>/dev/null)" ]
    kill "-$1" "$(pgrep -f "hoist-image pull --root $ROOT ")"
    wait "$cli"
}

@test "a killed pull leaves no image; the next pull cleans up after it; SIGINT cleans at once" {
    mkimage "$REG" t/bb:1 plain
    proxy hold
    run kill_pull KILL
    [ "$status" -ne 0 ]
    [ -z "$(hoist image ls -q)" ]
    [ -z "$(ls "$ROOT/images/layers")" ]
    [ -n "$(ls -A "$ROOT/images/tmp")" ]
    hoist image pull -q "$REG/t/bb:1"
    [ -z "$(ls -A "$ROOT/images/tmp")" ]
    hoist image rm "$REG/t/bb:1" >/dev/null
    run kill_pull INT
    [ "$status" -ne 0 ]
    assert_store_empty
}

@test "compose pull_policy every_<duration>, daily: pulled again only once the last pull is that old" {
    mkimage "$REG" t/bb:1 plain
    proxy plain
    mkdir -p "$TESTDIR/p" && cd "$TESTDIR/p"
    cat >compose.yaml <<YAML
name: policy
services:
  a:
    image: $PROXY/t/bb:1
    network_mode: none
    pull_policy: every_1h
YAML
    manifests() { grep -c '/manifests/' "$TESTDIR/proxy.log" || true; }
    # again AGE_SECONDS: make the last pull that much older, then up again.
    again() {
        jq --arg k "$PROXY/t/bb:1" ".[\$k] -= $1" "$ROOT/images/pulled.json" >"$TESTDIR/p.json"
        mv "$TESTDIR/p.json" "$ROOT/images/pulled.json"
        hoist down >/dev/null 2>&1
        hoist up --no-start >/dev/null 2>&1
    }
    run hoist up --no-start
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(manifests)" -eq 1 ]
    again 0
    [ "$(manifests)" -eq 1 ]
    # Two hours older: due again; the registry says it is up to date, and that counts too.
    again 7200
    [ "$(manifests)" -eq 2 ]
    again 0
    [ "$(manifests)" -eq 2 ]
    sed -i 's/every_1h/daily/' compose.yaml
    again 3600
    [ "$(manifests)" -eq 2 ]
    again 90000
    [ "$(manifests)" -eq 3 ]
    hoist down >/dev/null 2>&1
    sed -i 's/daily/every_soon/' compose.yaml
    run hoist up --no-start
    [ "$status" -ne 0 ]
    [[ "$output" == *"compose.yaml:6:18"*'invalid pull policy "every_soon"'* ]]
}
