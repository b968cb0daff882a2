#!/bin/sh
# Make the image every example uses, offline: a busybox root filesystem from Debian's
# busybox-static, imported as hoist-examples/busybox:latest.
# usage: examples/images.sh [HOIST]     (HOIST: the hoist executable, default ./build/hoist)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
hoist=${1:-$top/build/hoist}
out=$top/build/fixtures
mkdir -p "$out"
[ -f "$out/busybox.tar" ] || "$top/tests/fixtures/mkrootfs.sh" "$out"
$hoist image import --change 'CMD ["sh"]' "$out/busybox.tar" hoist-examples/busybox:latest
