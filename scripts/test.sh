#!/bin/sh
# Install what is needed, then build and run the whole test suite twice: a normal
# build, and one with AddressSanitizer + UndefinedBehaviorSanitizer; then compile (no
# tests) with the other build types and with clang, all with warnings as errors, so no
# compiler or build type a distributor picks finds a warning first. Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/check-format.sh
status=0
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build && ctest -j4 --output-on-failure) || status=1
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DHOIST_SANITIZE=ON
(cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest -j4 --output-on-failure) || status=1
# Compile-only builds of the executables (tests and benchmarks are compiled above).
for b in gcc:Debug gcc:Release clang:Release; do
    dir=build-ci-${b%%:*}-${b#*:}
    start=$(date +%s)
    if CC=${b%%:*} cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE="${b#*:}" -DHOIST_WERROR=ON \
        >/dev/null && cmake --build "$dir" -j"$(nproc)" --target hoist hoist-image hoist-monitor \
        hoist-dns >"$dir/compile.log" 2>&1; then
        echo "compile ${b}: ok ($(($(date +%s) - start)) s)"
    else
        cat "$dir/compile.log"
        echo "compile ${b}: FAILED" >&2
        status=1
    fi
done
# The compose loader's fuzz target (libFuzzer, ASan+UBSan), bounded in time.
FUZZ_OUT=$top/build-fuzz tests/fuzz/run.sh "${HOIST_FUZZ_SECONDS:-120}" || status=1
exit $status
