#!/bin/sh
# Pull of a ~200 MB, 10-layer image from a local registry (docker-registry on 127.0.0.1)
# into an empty store: hoist beside `skopeo copy` to an OCI directory (no unpacking) and
# `podman pull` when installed; medians of RUNS; image import of the same files as one tar.
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
trap 'kill $reg 2>/dev/null; rm -rf "$work"' EXIT
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

python3 - "$build/hoist" "$work" "$port" "$runs" "$size" <<'PY'
import shutil, statistics, subprocess, sys, time
hoist, work, port, runs, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ref = f"127.0.0.1:{port}/bench/big:1"
def timed(cmd, before):
    t = []
    for _ in range(runs):
        before()
        s = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        t.append(time.perf_counter() - s)
    return statistics.median(t)
def fresh(path):
    return lambda: shutil.rmtree(path, ignore_errors=True)
h = timed([hoist, "--root", f"{work}/root", "image", "pull", "-q", ref], fresh(f"{work}/root"))
s = timed(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{ref}", f"oci:{work}/skopeo:big"], fresh(f"{work}/skopeo"))
print(f"image: 10 layers, {size / 1e6:.0f} MB in the registry, 200 MB unpacked; {runs} runs each")
print(f"hoist image pull (fetch, verify, unpack): median {h * 1000:.0f} ms, {200 / h:.0f} MB/s unpacked")
u = timed([hoist, "--root", f"{work}/root", "image", "import", f"{work}/all.tar"], fresh(f"{work}/root"))
print(f"image import of the same 200 MB as one tar, one thread (hash, keep the tar, unpack, sync): median {u * 1000:.0f} ms, {200 / u:.0f} MB/s")
print(f"skopeo copy to an OCI dir (no unpacking): median {s * 1000:.0f} ms; skopeo / hoist = {s / h:.2f}x")
if shutil.which("podman"):
    pod = ["podman", "--root", f"{work}/podman", "--runroot", f"{work}/podman-run", "--storage-driver", "overlay"]
    def clean():
        subprocess.run(pod + ["system", "reset", "-f"], capture_output=True)
        shutil.rmtree(f"{work}/podman", ignore_errors=True)
    p = timed(pod + ["pull", "-q", "--tls-verify=false", ref], clean)
    print(f"podman pull: median {p * 1000:.0f} ms; podman / hoist = {p / h:.2f}x")
else:
    print("podman: not installed")
PY
