#!/bin/bash
# `hoist config -q` on a generated 1,000-service compose file (anchors, merge keys,
# extends and interpolation), with docker-compose and podman-compose beside it (their
# `config`, on the file in the version 2.4 form v1 tools accept), ratios from the same run.
# usage: bench/config-1000.sh [BUILDDIR] [RUNS] [SERVICES]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
hoist=${HOIST:-$(cd "${1:-$top/build}" && pwd)/hoist}
runs=${2:-20}
n=${3:-1000}
work=$(mktemp -d /tmp/hoist-bench-config.XXXXXX)
trap 'rm -rf "$work"' EXIT

gen() {
    cat <<'Y'
name: bench
x-common: &common
  restart: unless-stopped
  logging:
    driver: json-file
    options: {max-size: 10m, max-file: "3"}
  environment: &env
    TZ: ${TZ:-UTC}
    LOG_LEVEL: ${LOG_LEVEL:-info}
  networks: [front, back]
services:
  base:
    image: busybox:${TAG:-latest}
    healthcheck:
      test: ["CMD", "true"]
      interval: 30s
      timeout: 5s
      retries: 3
    ulimits:
      nofile: {soft: 1024, hard: 4096}
Y
    for i in $(seq 1 "$n"); do
        dep=$(( i > 1 ? i - 1 : 0 ))
        cat <<Y
  svc$i:
    <<: *common
    extends: base
    command: ["sh", "-c", "echo svc$i \$\$HOSTNAME"]
    environment:
      <<: *env
      INDEX: "$i"
      URL: http://svc$dep:\${PORT:-8080}/
    ports: ["$((10000 + i)):80"]
    volumes:
      - data$((i % 10)):/data
      - ./conf/svc$i:/etc/svc:ro
    labels:
      com.example.index: "$i"
Y
        [ "$dep" -gt 0 ] && printf '    depends_on: [svc%d]\n' "$dep"
    done
    echo "networks:"
    echo "  front: {}"
    echo "  back: {internal: true}"
    echo "volumes:"
    for i in $(seq 0 9); do echo "  data$i: {}"; done
}
gen >"$work/compose.yaml"
echo "file: $n services, $(wc -c <"$work/compose.yaml") bytes, $runs runs"
cd "$work"

measure() { # name, command...
    local name=$1 best_rss=0 times=()
    shift
    "$@" >/dev/null 2>&1 || { echo "$name: failed: $("$@" 2>&1 | tail -1)"; return; }
    for _ in $(seq 1 "$runs"); do
        /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1
        read -r secs rss <"$work/t"
        times+=("$secs")
        [ "$rss" -gt "$best_rss" ] && best_rss=$rss
    done
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$med" >"$work/med.$(echo "$name" | tr -c 'a-z0-9\n' _)"
    printf '%-16s median %6.0f ms   peak RSS %6.1f MiB\n' "$name" "$(echo "$med * 1000" | bc)" \
        "$(echo "scale=1; $best_rss / 1024" | bc)"
}

measure "hoist config -q" "$hoist" config -q
if command -v docker-compose >/dev/null; then
    # Debian's docker-compose (1.x) wants a format version that has extends and no name.
    { echo 'version: "2.4"'; sed '/^name:/d' compose.yaml; } >v2.yaml
    measure "hoist (v2.4 file)" "$hoist" config -q -f v2.yaml
    measure "docker-compose" docker-compose -p bench -f v2.yaml config -q
else
    echo "docker-compose: not installed"
fi
if command -v podman-compose >/dev/null; then
    [ -f v2.yaml ] || { echo 'version: "2.4"'; sed '/^name:/d' compose.yaml; } >v2.yaml
    measure "podman-compose" podman-compose -p bench -f v2.yaml config
else
    echo "podman-compose: not installed"
fi
# Ratios from this run: each peer over hoist on the same (v2.4) file.
med() { cat "$work/med.$(echo "$1" | tr -c 'a-z0-9\n' _)" 2>/dev/null; }
for peer in docker-compose podman-compose; do
    p=$(med "$peer") h=$(med "hoist (v2.4 file)")
    [ -n "$p" ] && [ -n "$h" ] && awk -v a="$p" -v b="$h" -v n="$peer" 'BEGIN { printf "  %s / hoist: %.1fx\n", n, a / b }'
done
true
