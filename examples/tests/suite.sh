#!/bin/sh
# A tiny test suite: each check prints ok/not ok; the exit code is the number failed.
failed=0
check() {
    if eval "$2" >/dev/null 2>&1; then echo "ok - $1"; else echo "not ok - $1"; failed=$((failed + 1)); fi
}
check "app answers by service name" 'wget -q -O - http://app/status | grep -qx ok'
check "missing page is 404" '! wget -q -O - http://app/nothing-here'
check "the service name resolves through DNS" 'nslookup app'
exit $failed
