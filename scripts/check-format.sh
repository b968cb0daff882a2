#!/bin/sh
# Fail when any C source differs from clang-format's output.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
bad=0
for f in $files; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not clang-formatted: $f" >&2
        bad=1
    fi
done
[ $bad = 0 ] && echo "clang-format: $(echo "$files" | wc -w) files clean"
exit $bad
