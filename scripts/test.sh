#!/bin/sh
# Install what is needed, then build and run the whole test suite twice: a normal
# build, and one with AddressSanitizer + UndefinedBehaviorSanitizer. Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/check-format.sh
status=0
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build && ctest --output-on-failure) || status=1
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DHOIST_SANITIZE=ON
(cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure) || status=1
# The compose loader's fuzz target (libFuzzer, ASan+UBSan), bounded in time.
FUZZ_OUT=$top/build-fuzz tests/fuzz/run.sh "${HOIST_FUZZ_SECONDS:-120}" || status=1
exit $status
