#!/usr/bin/env bats
# image pull from a real registry (Debian's docker-registry) on 127.0.0.1, fed by skopeo
# from images made here; a proxy in front of it plays auth, cuts and errors.

load helpers
bats_require_minimum_version 1.5.0
load registry

setup() {
    registry_setup
    # The test image: the busybox fixture, saved as a docker archive and pushed.
    import_busybox src:1
    hoist image save -o "$TESTDIR/bb.tar" src:1
    hoist image rm src:1 >/dev/null
}

teardown() {
    registry_teardown
}

push() { # push NAME [skopeo options]: the fixture as $REG/NAME
    local name=$1
    shift
    skopeo copy -q --dest-tls-verify=false "$@" "docker-archive:$TESTDIR/bb.tar" "docker://$REG/$name"
}

# docker's config.json with user:secret for the proxy, as `docker login` leaves it.
proxy_login() {
    export DOCKER_CONFIG=$TESTDIR/docker
    mkdir -p "$DOCKER_CONFIG"
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$PROXY" "$(printf user:secret | base64)" \
        >"$DOCKER_CONFIG/config.json"
}

pull_logged_in() { # pull_logged_in MODE: the test image through a proxy in MODE, logged in
    push test/bb:1
    proxy "$1"
    proxy_login
    run hoist image pull -q "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "pull: a gzip image arrives, runs, is up to date the second time; -q" {
    push test/bb:1
    run hoist image pull "$REG/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"1: Pulling from test/bb"* ]]
    [[ "$output" == *": Pull complete"* ]]
    [[ "$output" == *"Digest: sha256:"* ]]
    [[ "$output" == *"Status: Downloaded newer image for $REG/test/bb:1"* ]]
    run -0 hoist container run --rm --network none "$REG/test/bb:1" echo pulled-and-ran
    [ "$output" = pulled-and-ran ]
    run -0 hoist image pull "$REG/test/bb:1"
    [[ "$output" == *"Status: Image is up to date for $REG/test/bb:1"* ]]
    run -0 hoist image pull -q "$REG/test/bb:1"
    [ "$output" = "$REG/test/bb:1" ]
    # By digest too.
    digest=$(skopeo inspect --tls-verify=false "docker://$REG/test/bb:1" | jq -r .Digest)
    run hoist image pull "$REG/test/bb@$digest"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "pull: the digest pulled at is a RepoDigest; ls --digests; the last tag's rm takes it along" {
    push test/bb:1
    digest=$(skopeo inspect --tls-verify=false "docker://$REG/test/bb:1" | jq -r .Digest)
    hoist image pull -q "$REG/test/bb:1" >/dev/null
    run -0 hoist image inspect -f '{{json .RepoTags}} {{json .RepoDigests}}' "$REG/test/bb:1"
    [ "$output" = "[\"$REG/test/bb:1\"] [\"$REG/test/bb@$digest\"]" ]
    # The image answers to its digest, and is listed once, by its tag.
    [ "$(hoist image inspect -f '{{.Id}}' "$REG/test/bb@$digest")" = \
        "$(hoist image inspect -f '{{.Id}}' "$REG/test/bb:1")" ]
    run -0 hoist image ls --digests
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID ]]
    [[ "${lines[1]}" =~ ^$REG/test/bb\ +1\ +$digest\  ]]
    [ "$(hoist image ls --format json | jq -r .Digest)" = "$digest" ]
    run -0 hoist image ls
    [[ "${lines[0]}" != *DIGEST* ]]
    # rm of the last tag untags the digest too and deletes the image, as docker.
    run -0 hoist image rm "$REG/test/bb:1"
    [ "${lines[0]}" = "Untagged: $REG/test/bb:1" ]
    [ "${lines[1]}" = "Untagged: $REG/test/bb@$digest" ]
    [[ "${lines[2]}" == "Deleted: sha256:"* ]]
    assert_store_empty
    # Pulled by digest alone: no tag, listed with <none>, not dangling; rm by id is fine.
    hoist image pull -q "$REG/test/bb@$digest" >/dev/null
    run -0 hoist image ls
    [[ "${lines[1]}" =~ ^$REG/test/bb\ +\<none\>\  ]]
    [ -z "$(hoist image ls -q -f dangling=true)" ]
    run -0 hoist image inspect -f '{{json .RepoTags}} {{len .RepoDigests}}' "$REG/test/bb@$digest"
    [ "$output" = "[] 1" ]
    run hoist image rm "$(hoist image ls -q)"
    [ "$status" -eq 0 ]
    assert_store_empty
}

@test "pull: zstd layers; a layer already in the store is not fetched again" {
    push test/bbz:1 --dest-compress-format zstd
    push test/bb:1
    hoist image pull -q "$REG/test/bbz:1"
    proxy plain
    run hoist image pull "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Already exists"* ]]
    # Only the config blob was fetched, no layer.
    [ "$(grep -c /blobs/ "$TESTDIR/proxy.log")" -eq 1 ]
    [ "$(hoist image inspect "$REG/test/bbz:1" | jq -r '.[0].Id')" = \
      "$(hoist image inspect "$PROXY/test/bb:1" | jq -r '.[0].Id')" ]
}

@test "pull: a multi-platform index gives the host's platform, --platform another" {
    skopeo copy -q "docker-archive:$TESTDIR/bb.tar" "oci:$TESTDIR/oci:single"
    python3 "$REGFIX/mkindex.py" "$TESTDIR/oci" single multi
    skopeo copy -q --all --dest-tls-verify=false "oci:$TESTDIR/oci:multi" "docker://$REG/test/multi:1"
    hoist image pull -q "$REG/test/multi:1"
    [ "$(hoist image inspect "$REG/test/multi:1" | jq -r '.[0].Architecture')" = amd64 ]
    hoist image pull -q --platform linux/arm64 "$REG/test/multi:arm" 2>/dev/null && false
    hoist image pull -q --platform linux/arm64 "$REG/test/multi:1"
    [ "$(hoist image inspect "$REG/test/multi:1" | jq -r '.[0].Architecture')" = arm64 ]
    run hoist image pull --platform linux/s390x "$REG/test/multi:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"no matching manifest for linux/s390x"* ]]
}

@test "pull: the Bearer token flow with docker login credentials" {
    push test/bb:1
    proxy bearer
    export DOCKER_CONFIG=$TESTDIR/docker
    mkdir -p "$DOCKER_CONFIG"
    # Without credentials the token server refuses.
    run hoist image pull "$PROXY/test/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"token from http://$PROXY/token: HTTP 401"* ]]
    assert_store_empty
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$PROXY" "$(printf user:secret | base64)" \
        >"$DOCKER_CONFIG/config.json"
    run hoist image pull "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    grep -q '^/token' "$TESTDIR/proxy.log"
}

@test "pull: a blob cut mid-way resumes with Range; a 500 is retried" {
    push test/bb:1
    proxy cut
    run hoist image pull "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    grep -q 'range=bytes=1000-' "$TESTDIR/proxy.log"
    hoist container run --rm --network none "$PROXY/test/bb:1" true
    hoist image rm "$PROXY/test/bb:1" >/dev/null
    kill "$(cat "$TESTDIR"/proxy-*.pid)"; rm "$TESTDIR"/proxy-*.pid
    proxy flaky
    run hoist image pull "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "pull: a corrupted blob is refused and nothing is stored" {
    push test/bb:1
    # Overwrite the largest blob (the layer) in the registry's storage, same size.
    blob=$(find "$TESTDIR/registry" -path '*/blobs/*' -name data -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
    size=$(stat -c %s "$blob")
    head -c "$size" /dev/zero >"$blob"
    run hoist image pull "$REG/test/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"content digest is sha256:"*"refusing it"* ]]
    assert_store_empty
}

@test "pull: bad references and missing images are errors that store nothing" {
    push test/bb:1
    run hoist image pull "$REG/test/bb:nope"
    [ "$status" -ne 0 ]
    # Only the error, under hoist's name, as docker prints it (no "Pulling from").
    [ "$output" = "hoist: pull $REG/test/bb:nope: manifest for test/bb:nope: not found (HTTP 404)" ]
    run hoist image pull "$REG/test/nothing:1"
    [ "$status" -ne 0 ]
    run hoist image pull "Bad//Name"
    [ "$status" -ne 0 ]
    [[ "$output" == "hoist: invalid reference format"* ]]
    # Nothing listens on the port: the socket's error, not a generic one.
    run hoist image pull 127.0.0.1:1/test/bb:1
    [ "$status" -ne 0 ]
    [[ "$output" == *"Couldn't connect to server: Connection refused"* ]]
    # A name that does not resolve (the test's namespace has only loopback): curl's words
    # alone, no errno text after them.
    run hoist image pull nosuch.invalid/test/bb:1
    [ "$status" -ne 0 ]
    [[ "$output" == *"Couldn't resolve host name" ]]
    run hoist image pull
    [ "$status" -ne 0 ]
    [[ "$output" == *"requires exactly one image reference"* ]]
    assert_store_empty
}

@test "compose: pull, --ignore-pull-failures, up pulls missing images, pull_policy never" {
    push test/bb:1
    mkdir -p "$TESTDIR/p" && cd "$TESTDIR/p"
    cat >compose.yaml <<YAML
name: pulltest
services:
  a:
    image: $REG/test/bb:1
    command: sleep 60
    stop_signal: KILL
    network_mode: none
  b:
    image: $REG/test/missing:1
    network_mode: none
YAML
    run hoist pull a
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Downloaded newer image for $REG/test/bb:1"* ]]
    hoist image rm "$REG/test/bb:1" >/dev/null
    run hoist pull -q
    [ "$status" -ne 0 ]
    [[ "$output" == *"test/missing:1"*"not found (HTTP 404)"* ]]
    run hoist pull -q --ignore-pull-failures
    [ "$status" -eq 0 ]
    [[ "$output" == *"WARNING: service b"* ]]
    hoist image rm "$REG/test/bb:1" >/dev/null
    # up pulls what is missing before creating containers.
    run hoist up -d a
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    hoist image inspect "$REG/test/bb:1" >/dev/null
    hoist down -t 0 >/dev/null 2>&1
    hoist image rm "$REG/test/bb:1" >/dev/null
    # pull_policy never: a missing image is an error naming it, nothing is created.
    sed -i 's/    network_mode: none/    network_mode: none\n    pull_policy: never/' compose.yaml
    run hoist up -d a
    [ "$status" -ne 0 ]
    [[ "$output" == *"not found and pull_policy is never"* ]]
    [ -z "$(hoist container ps -aq)" ]
}

@test "pull: credentials from a docker credential helper (credsStore, credHelpers)" {
    push test/bb:1
    proxy bearer
    export DOCKER_CONFIG=$TESTDIR/docker
    mkdir -p "$DOCKER_CONFIG" "$TESTDIR/bin"
    cat >"$TESTDIR/bin/docker-credential-hoisttest" <<SH
#!/bin/sh
read -r server
echo "\$1 \$server" >>"$TESTDIR/helper.log"
if [ "\$1" = get ] && [ "\$server" = "$PROXY" ]; then
    echo '{"ServerURL":"$PROXY","Username":"user","Secret":"secret"}'
    exit 0
fi
echo "credentials not found in native keychain"
exit 1
SH
    chmod +x "$TESTDIR/bin/docker-credential-hoisttest"
    export PATH=$TESTDIR/bin:$PATH
    echo '{"auths":{},"credsStore":"hoisttest"}' >"$DOCKER_CONFIG/config.json"
    run hoist image pull -q "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    grep -qx "get $PROXY" "$TESTDIR/helper.log"
    hoist image rm "$PROXY/test/bb:1" >/dev/null
    printf '{"credHelpers":{"%s":"hoisttest"},"credsStore":"missing-helper"}' "$PROXY" \
        >"$DOCKER_CONFIG/config.json"
    hoist image pull -q "$PROXY/test/bb:1"
    hoist image rm "$PROXY/test/bb:1" >/dev/null
    # A helper that does not exist gives no credentials: the registry's 401 is the error.
    echo '{"credsStore":"missing-helper"}' >"$DOCKER_CONFIG/config.json"
    run hoist image pull -q "$PROXY/test/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"HTTP 401"* ]]
}

@test "pull: a blob redirected to another host gets no Authorization header" {
    pull_logged_in redirect
    grep -q '^direct auth=no' "$TESTDIR/proxy.log"
    ! grep -q '^direct auth=yes' "$TESTDIR/proxy.log" || false
}

@test "pull: an expired Bearer token is renewed on the next 401" {
    pull_logged_in expire
    [ "$(grep -c '^/token' "$TESTDIR/proxy.log")" -ge 2 ]
    [ "$(hoist container run --rm --network none "$PROXY/test/bb:1" echo renewed)" = renewed ]
}

@test "pull: a Bearer token is renewed before its expires_in runs out" {
    pull_logged_in ttl
    # The config came 1.5 s late, after the first token's second: the layers were asked
    # for with a new token, and no expired token was ever sent.
    [ "$(grep -c '^/token' "$TESTDIR/proxy.log")" -ge 2 ]
    ! grep -q '^expired' "$TESTDIR/proxy.log" || false
}

@test "pull: an identity token is traded for a Bearer token by docker's OAuth grant" {
    push test/bb:1
    proxy oauth
    export DOCKER_CONFIG=$TESTDIR/docker
    mkdir -p "$DOCKER_CONFIG" "$TESTDIR/bin"
    # As an OAuth login leaves it in config.json: an identity token, no password.
    printf '{"auths":{"%s":{"auth":"","identitytoken":"idtok-1"}}}' "$PROXY" \
        >"$DOCKER_CONFIG/config.json"
    run hoist image pull -q "$PROXY/test/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    grep -qx 'POST /token client_id grant_type refresh_token scope service' "$TESTDIR/proxy.log"
    hoist image rm "$PROXY/test/bb:1" >/dev/null
    # From a credential helper: user "<token>", the secret is the identity token.
    cat >"$TESTDIR/bin/docker-credential-hoisttest" <<'SH'
#!/bin/sh
read -r server
printf '{"ServerURL":"%s","Username":"<token>","Secret":"idtok-1"}\n' "$server"
SH
    chmod +x "$TESTDIR/bin/docker-credential-hoisttest"
    export PATH=$TESTDIR/bin:$PATH
    echo '{"credsStore":"hoisttest"}' >"$DOCKER_CONFIG/config.json"
    hoist image pull -q "$PROXY/test/bb:1"
    # A wrong identity token is refused by the token server: the pull fails.
    printf '{"auths":{"%s":{"identitytoken":"idtok-bad"}}}' "$PROXY" >"$DOCKER_CONFIG/config.json"
    hoist image rm "$PROXY/test/bb:1" >/dev/null
    run hoist image pull -q "$PROXY/test/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"token from http://$PROXY/token: HTTP 401"* ]]
}

@test "login checks credentials and stores them as docker does; pull uses them; logout" {
    push test/bb:1
    proxy bearer
    export DOCKER_CONFIG=$TESTDIR/docker
    run hoist login -u user -p wrong "$PROXY"
    [ "$status" -ne 0 ]
    [[ "$output" == *"login to $PROXY"* ]]
    [ ! -e "$DOCKER_CONFIG/config.json" ]
    run hoist login -u user --password-stdin "$PROXY" <<<"secret"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$output" = "Login Succeeded" ]
    [ "$(jq -r --arg k "$PROXY" '.auths[$k].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" = user:secret ]
    [ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ]
    hoist image pull -q "$PROXY/test/bb:1"
    run -0 hoist logout "$PROXY"
    [ "$output" = "Removing login credentials for $PROXY" ]
    [ "$(jq -r --arg k "$PROXY" '.auths[$k]' "$DOCKER_CONFIG/config.json")" = null ]
    run -0 hoist logout "$PROXY"
    [ "$output" = "Not logged in to $PROXY" ]
    run hoist login -u user "$PROXY"
    [ "$status" -ne 0 ]
}

@test "login and logout go through the credential helper config.json names" {
    push test/bb:1
    proxy bearer
    export DOCKER_CONFIG=$TESTDIR/docker
    mkdir -p "$DOCKER_CONFIG" "$TESTDIR/bin" "$TESTDIR/keychain"
    # A helper keeping each server's JSON in a file, as a keychain would.
    cat >"$TESTDIR/bin/docker-credential-hoisttest" <<SH
#!/bin/sh
kc=$TESTDIR/keychain
case "\$1" in
store) in=\$(cat); s=\$(printf '%s' "\$in" | jq -r .ServerURL); printf '%s' "\$in" >"\$kc/\$s" ;;
get) read -r s; [ -f "\$kc/\$s" ] || { echo "credentials not found in native keychain"; exit 1; }; cat "\$kc/\$s" ;;
erase) read -r s; [ -f "\$kc/\$s" ] || { echo "credentials not found in native keychain"; exit 1; }; rm "\$kc/\$s" ;;
esac
SH
    chmod +x "$TESTDIR/bin/docker-credential-hoisttest"
    export PATH=$TESTDIR/bin:$PATH
    echo '{"credsStore":"hoisttest"}' >"$DOCKER_CONFIG/config.json"
    # Wrong credentials reach neither the helper nor config.json.
    run hoist login -u user -p wrong "$PROXY"
    [ "$status" -ne 0 ]
    [ ! -e "$TESTDIR/keychain/$PROXY" ]
    run hoist login -u user -p secret "$PROXY"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(jq -c . "$TESTDIR/keychain/$PROXY")" = "{\"ServerURL\":\"$PROXY\",\"Username\":\"user\",\"Secret\":\"secret\"}" ]
    # config.json keeps an empty entry and no secret, as docker does.
    [ "$(jq -c --arg k "$PROXY" '.auths[$k]' "$DOCKER_CONFIG/config.json")" = "{}" ]
    ! grep -q secret "$DOCKER_CONFIG/config.json" || false
    hoist image pull -q "$PROXY/test/bb:1"
    hoist image rm "$PROXY/test/bb:1" >/dev/null
    run hoist logout "$PROXY"
    [ "$status" -eq 0 ]
    [ "$output" = "Removing login credentials for $PROXY" ]
    [ ! -e "$TESTDIR/keychain/$PROXY" ]
    [ "$(jq -r --arg k "$PROXY" '.auths[$k]' "$DOCKER_CONFIG/config.json")" = null ]
    run hoist image pull -q "$PROXY/test/bb:1"
    [ "$status" -ne 0 ]
    # A second logout: the helper has nothing to erase, which is a warning.
    run hoist logout "$PROXY"
    [ "$status" -eq 0 ]
    [[ "$output" == *"WARNING: could not erase credentials"*"credentials not found"* ]]
    # A helper that fails to store fails the login, and nothing is written.
    echo '{"credsStore":"missing-helper"}' >"$DOCKER_CONFIG/config.json"
    run hoist login -u user -p secret "$PROXY"
    [ "$status" -ne 0 ]
    [[ "$output" == *"docker-credential-missing-helper"* ]]
    [ "$(cat "$DOCKER_CONFIG/config.json")" = '{"credsStore":"missing-helper"}' ]
}
