#!/bin/sh
# Build the compose loader fuzz target with clang's libFuzzer (ASan + UBSan), seed it
# with every compose file under tests/compose, and run it for SECONDS (default 60).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-/tmp/hoist-fuzz}
secs=${1:-60}
mkdir -p "$out/corpus"
find "$src/tests/compose" -name '*.yaml' -o -name '*.yml' | while read -r f; do
    cp "$f" "$out/corpus/$(echo "$f" | md5sum | cut -c1-16).yaml"
done
clang -g -O1 -std=gnu17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$src" $(pkg-config --cflags jansson) \
    "$src/tests/fuzz/fuzz_compose.c" $(ls "$src"/compose/*.c | grep -v "/run_") "$src"/common/*.c \
    -o "$out/fuzz_compose" $(pkg-config --libs jansson yaml-0.1 nettle) -lm
cd "$out"
exec ./fuzz_compose -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -dict="$src/tests/fuzz/compose.dict" corpus
