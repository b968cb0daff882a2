#!/usr/bin/env bats
# `hoist container commit`: a container's changes become a new image (via hoist-image).

load helpers
bats_require_minimum_version 1.5.0

setup() {
    hoist_setup
    import_busybox
}

@test "commit: the new image carries the container's changes and deletions" {
    hoist container run --name cm busybox sh -c 'echo made > /newfile; rm /etc/group'
    run hoist container commit -c 'CMD ["cat", "/newfile"]' -m snapshot cm mine:1
    [ "$status" -eq 0 ]
    [[ "$output" == sha256:* ]]
    run -0 hoist container run --rm mine:1
    [ "$output" = made ]
    run hoist container run --rm mine:1 ls /etc/group
    [ "$status" -ne 0 ]
    hoist container rm cm
    run hoist container commit nosuch mine:2
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such container"* ]]
}
