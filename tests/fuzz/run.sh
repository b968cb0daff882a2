#!/bin/sh
# Build the fuzz targets with clang's libFuzzer (ASan + UBSan) and run each for SECONDS
# (default 60): the compose loader, seeded with every compose file under tests/compose,
# and the seccomp generator against libseccomp's compiler.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-/tmp/hoist-fuzz}
secs=${1:-60}
cflags="-g -O1 -std=gnu17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
# common/fs.c's helper lookup names the install layout, as CMakeLists.txt defines it.
cflags="$cflags -DHOIST_LIBEXECDIR=\"/usr/local/libexec/hoist\" -DHOIST_LIBEXEC_REL=\"../libexec/hoist\""
mkdir -p "$out/corpus" "$out/corpus-seccomp"
find "$src/tests/compose" -name '*.yaml' -o -name '*.yml' | while read -r f; do
    cp "$f" "$out/corpus/$(echo "$f" | md5sum | cut -c1-16).yaml"
done
# shellcheck disable=SC2086
clang $cflags -I"$src" $(pkg-config --cflags jansson) \
    "$src/tests/fuzz/fuzz_compose.c" "$src"/compose/loader/*.c "$src"/common/*.c \
    -o "$out/fuzz_compose" $(pkg-config --libs jansson yaml-0.1 nettle) -lm
# shellcheck disable=SC2086
clang $cflags -I"$src" $(pkg-config --cflags jansson libseccomp) \
    "$src/tests/fuzz/fuzz_seccomp.c" "$src/tests/seccomp_interp.c" "$src"/engine/runtime/seccomp.c \
    "$src"/engine/runtime/seccomp_gen.c "$src"/engine/runtime/seccomp_lib.c "$src"/common/*.c \
    -o "$out/fuzz_seccomp" $(pkg-config --libs jansson libseccomp nettle) -lm
cd "$out"
./fuzz_compose -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -dict="$src/tests/fuzz/compose.dict" corpus
# libseccomp 2.5.4 leaks inside seccomp_rule_add_array on some rule sets (its own
# allocations, the context released): not ours to fix, so only its leaks are suppressed.
echo "leak:libseccomp.so" >lsan-seccomp.supp
LSAN_OPTIONS="suppressions=$out/lsan-seccomp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    exec ./fuzz_seccomp -max_total_time="$secs" -max_len=4096 -len_control=0 -timeout=10 -rss_limit_mb=1024 \
    corpus-seccomp
