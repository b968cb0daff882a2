#!/bin/sh
# Pull of a ~200 MB, 10-layer image from a local registry (docker-registry on 127.0.0.1)
# into an empty store: hoist beside `skopeo copy` to an OCI directory (no unpacking),
# `podman pull` (private store) and `docker pull` (private dockerd) (bench/peers.sh), a
# failing peer printing its error; medians of RUNS; image import of the same files as one tar.
# usage: bench/pull.sh [BUILDDIR] [RUNS]    (as root; runs in its own netns)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${2:-5}
if [ -z "${HOIST_BENCH_NETNS:-}" ]; then
    HOIST_BENCH_NETNS=1 exec unshare --net "$0" "$build" "$runs"
fi
ip link set lo up
work=$(mktemp -d /tmp/hoist-bench.XXXXXX)
port=5123
cat >"$work/reg.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
log:
  level: error
YML
docker-registry serve "$work/reg.yml" >"$work/reg.log" 2>&1 &
reg=$!
. "$top/bench/peers.sh"
cleanup() {
    peer_dockerd_stop
    kill $reg 2>/dev/null
    grep -F "$work" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.05; done

# Ten layers of 20 MB each, half random (incompressible), half text, as an OCI layout;
# the same files as one uncompressed tar, for the unpacker alone (image import).
python3 - "$work/oci" "$work/all.tar" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
whole = tarfile.open(sys.argv[2], mode="w")
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return "sha256:" + d
layers, diffs = [], []
for i in range(10):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in ((f"l{i}/random", os.urandom(10 << 20)),
                           (f"l{i}/text", (b"hoist layer %d line\n" % i) * ((10 << 20) // 20))):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
            whole.addfile(ti, io.BytesIO(data))
    raw = buf.getvalue()
    z = gzip.compress(raw, 1)
    diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(z), "size": len(z)})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(cfg), "size": len(cfg)},
                  "layers": layers}).encode()
md = put(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
           "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "big"}}]},
          open(os.path.join(out, "index.json"), "w"))
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
whole.close()
PY
skopeo copy -q --dest-tls-verify=false "oci:$work/oci:big" "docker://127.0.0.1:$port/bench/big:1"
size=$(du -sb "$work/registry" | cut -f1)
# The peers: podman on a private store, docker through a private dockerd that shares this
# namespace's loopback (where the registry is; loopback registries are insecure to docker).
podman_ok= docker_ok=
peer_podman_env && podman_ok=1
peer_dockerd_start samenet && docker_ok=1
export podman_ok docker_ok

python3 - "$build/hoist" "$work" "$port" "$runs" "$size" <<'PY'
import shutil, statistics, subprocess, sys, time
hoist, work, port, runs, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ref = f"127.0.0.1:{port}/bench/big:1"
import os
def timed(cmd, before):
    """Median seconds over runs; None (the error printed) when the command fails."""
    t = []
    for _ in range(runs):
        before()
        s = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t.append(time.perf_counter() - s)
        if r.returncode:
            print(f"{cmd[0]}: `{' '.join(cmd[1:4])} ...` failed: {r.stderr.decode().strip().splitlines()[-1:]}")
            return None
    return statistics.median(t)
def fresh(path):
    return lambda: shutil.rmtree(path, ignore_errors=True)
h = timed([hoist, "--root", f"{work}/root", "image", "pull", "-q", ref], fresh(f"{work}/root"))
if h is None:
    sys.exit("hoist image pull failed: no figures")
s = timed(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{ref}", f"oci:{work}/skopeo:big"], fresh(f"{work}/skopeo"))
print(f"image: 10 layers, {size / 1e6:.0f} MB in the registry, 200 MB unpacked; {runs} runs each")
print(f"hoist image pull (fetch, verify, unpack): median {h * 1000:.0f} ms, {200 / h:.0f} MB/s unpacked")
u = timed([hoist, "--root", f"{work}/root", "image", "import", f"{work}/all.tar"], fresh(f"{work}/root"))
print(f"image import of the same 200 MB as one tar, one thread (hash, keep the tar, unpack, sync): median {u * 1000:.0f} ms, {200 / u:.0f} MB/s")
if s is not None:
    print(f"skopeo copy to an OCI dir (no unpacking): median {s * 1000:.0f} ms; skopeo / hoist = {s / h:.2f}x")
if os.environ.get("podman_ok"):
    pod = ["podman"]
    def clean():
        subprocess.run(pod + ["rmi", "-af"], capture_output=True)
    p = timed(pod + ["pull", "-q", "--tls-verify=false", ref], clean)
    if p is not None:
        print(f"podman pull (fetch, unpack): median {p * 1000:.0f} ms; podman / hoist = {p / h:.2f}x")
if os.environ.get("docker_ok"):
    def dclean():
        subprocess.run(["/usr/bin/docker", "rmi", "-f", ref], capture_output=True)
    d = timed(["/usr/bin/docker", "pull", "-q", ref], dclean)
    if d is not None:
        print(f"docker pull (private dockerd; fetch, unpack): median {d * 1000:.0f} ms; docker / hoist = {d / h:.2f}x")
PY
