#!/bin/bash
# usage: soak-tests.sh N [BUILDDIR]
# Run the integration suite N times in a row (ctest -L integration) under CPU load, and
# report every failure. The load: a parallel build of the tree in a scratch build
# directory, cleaned and rebuilt in a loop, plus one busy shell loop per CPU. Run as
# root, after a build of BUILDDIR (default: build). Exit status: 0 if every run passed.
#   SOAK_JOBS    ctest -j (default 4)
#   SOAK_FILTER  ctest -R regex (default: the whole integration label)
#   SOAK_LOAD=0  no load
set -u
n=${1:?usage: soak-tests.sh N [BUILDDIR]}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${2:-$top/build}" && pwd) || exit 2
jobs=${SOAK_JOBS:-4}
logdir=$(mktemp -d /tmp/hoist-soak.XXXXXX)
scratch=$logdir/scratch-build
load_pids=()

stop_load() {
    local p
    for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${load_pids[@]}"; do wait "$p" 2>/dev/null; done
    load_pids=()
}
trap 'stop_load; exit 130' INT TERM
trap stop_load EXIT

if [ "${SOAK_LOAD:-1}" != 0 ]; then
    cmake -S "$top" -B "$scratch" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    # setsid: each load job is a process group of its own, ended as one by its pid.
    setsid bash -c 'while :; do cmake --build "$1" --target clean >/dev/null 2>&1
                               cmake --build "$1" -j"$(nproc)" >/dev/null 2>&1; done' \
        sh "$scratch" &
    load_pids+=("$!")
    for _ in $(seq "$(nproc)"); do
        setsid bash -c 'while :; do :; done' &
        load_pids+=("$!")
    done
    stop_load() {
        local p
        for p in "${load_pids[@]}"; do kill -- "-$p" 2>/dev/null; done
        for p in "${load_pids[@]}"; do wait "$p" 2>/dev/null; done
        load_pids=()
    }
    echo "load: scratch build loop and $(nproc) busy loops (pids ${load_pids[*]})"
fi

failed_runs=0
for i in $(seq "$n"); do
    log=$logdir/run-$i.log
    start=$(date +%s)
    (cd "$build" && ctest -L integration ${SOAK_FILTER:+-R "$SOAK_FILTER"} -j "$jobs" \
        --output-on-failure) >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    if [ $rc -eq 0 ]; then
        echo "run $i/$n: passed in ${secs}s ($(grep -Eo '[0-9]+% tests passed.*' "$log" | head -1))"
    else
        failed_runs=$((failed_runs + 1))
        echo "run $i/$n: FAILED in ${secs}s; log: $log"
        grep -E '^[[:space:]]*[0-9]+ - integration/|^not ok ' "$log" | sed 's/^/    /'
    fi
done
stop_load
echo "soak: $((n - failed_runs))/$n runs passed under load (ctest -j $jobs); logs in $logdir"
[ $failed_runs -eq 0 ]
