#!/bin/sh
# The main job: install, build, make a busybox image from Debian's busybox-static,
# run containers in it visibly, and clean up. Run as root on Debian 12.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
hoist=$top/build/hoist
mkdir -p build/fixtures
[ -f build/fixtures/busybox.tar ] || tests/fixtures/mkrootfs.sh build/fixtures

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "hoist $*"; "$hoist" "$@"; }

run image import --change 'CMD ["sh"]' build/fixtures/busybox.tar demo/busybox:latest
run image ls
run container run --rm demo/busybox sh -c 'echo "hello from $(hostname), pid $$"; id; grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status; ps'
run container run -d --name demo-web --memory 64m --pids-limit 32 demo/busybox \
    sh -c 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'
sleep 2
run container ps
run container exec demo-web sh -c 'echo "inside demo-web: $(cat /proc/1/cmdline | tr "\0" " ")"'
run container logs --tail 2 demo-web
run container stop -t 2 demo-web
run container ps -a
run container rm demo-web
run image rm demo/busybox
printf '\nDone: the demo container and image are removed.\n'
