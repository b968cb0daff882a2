#!/bin/sh
# Install every package hoist needs to build, test and benchmark on Debian 12.
set -eu
[ "$(id -u)" = 0 ] || { echo "install-deps.sh: run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
pkgs="build-essential cmake pkg-config clang clang-format python3
libyaml-dev libjansson-dev libcap-dev libseccomp-dev libnl-3-dev libnl-route-3-dev libnftables-dev
libcurl4-openssl-dev libssl-dev libarchive-dev nettle-dev libcmocka-dev
bats jq curl busybox-static iproute2 nftables util-linux procps runc skopeo docker-registry
apache2-utils openssl podman docker.io docker-compose podman-compose
iperf3"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    # docker.io and docker-registry ship services: the tests start their own, privately,
    # so none may start on the host (a policy-rc.d that refuses, for the install only).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
    fi
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
