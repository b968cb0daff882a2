#!/bin/sh
# Run one bats file as root inside a fresh network namespace, so no test can touch
# the host's own network.
set -eu
[ "$(id -u)" = 0 ] || { echo "integration tests run as root" >&2; exit 1; }
exec unshare --net -- sh -c 'ip link set lo up && exec bats --print-output-on-failure "$1"' sh "$1"
