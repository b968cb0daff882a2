#!/bin/sh
# usage: examples/tests/run.sh [HOIST]   The exit code is the test suite's.
set -u
hoist=${1:-hoist}
cd "$(dirname "$0")"
$hoist up -d --wait || { $hoist down -v; exit 1; }
$hoist run --rm tests
rc=$?
$hoist down -v
exit $rc
