#!/bin/sh
# The main job: install the build dependencies, build hoist and install it into
# /usr/local (bin/hoist, libexec/hoist/), make the examples' image offline (from
# Debian's busybox-static), bring up examples/web (a web server and a client reaching
# it by service name), show it answering on a published port, and take it down.
# Afterwards hoist is on the PATH, so the README's commands work as written.
# Run as root on Debian 12.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
# A user's build: a compiler warning must not stop it.
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOIST_WERROR=OFF
cmake --install build --prefix /usr/local >/dev/null
hoist=/usr/local/bin/hoist
[ "$(command -v hoist)" = "$hoist" ] ||
    echo "demo: note: /usr/local/bin is not first on PATH for hoist; the README assumes it is" >&2

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "hoist $*"; "$hoist" "$@"; }

examples/images.sh "$hoist" >/dev/null
cd examples/web
trap '"$hoist" down >/dev/null 2>&1 || true' EXIT
step "cat examples/web/compose.yaml"
cat compose.yaml
run up -d
run ps
step "curl http://127.0.0.1:8080/"
# The server may need a moment after its container started.
i=0
until curl -fsS http://127.0.0.1:8080/; do
    i=$((i + 1))
    [ $i -lt 20 ] || { echo "demo: no answer on 127.0.0.1:8080" >&2; exit 1; }
    sleep 0.1
done
sleep 3
run logs client
run down
trap - EXIT
printf '\nDone: the stack is down; containers and network are removed.\n'
