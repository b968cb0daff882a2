#!/usr/bin/env python3
"""Write image archives for image_archive.bats: well-formed docker archives (classic
layout, <id>/layer.tar) with many layers, and hostile ones.

usage: image_archive_mk.py OUT KIND [BASE_TAR] [CANARY]
  KIND many:N        base layer + N-1 one-file layers, tagged many:latest
  KIND <evil kind>   see EVIL below; the archive must be refused
"""
import hashlib
import io
import json
import sys
import tarfile


def tar_bytes(entries):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT)
    for name, kw, data in entries:
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        if ti.type == tarfile.REGTYPE:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            t.addfile(ti)
    t.close()
    return buf.getvalue()


def sha(b):
    return hashlib.sha256(b).hexdigest()


def write_archive(out, layers, tag="evil:latest", config_extra=None, members=None,
                  manifest=None):
    """layers: list of layer tar bytes. members: extra (name, kw, data) outer entries."""
    diff_ids = ["sha256:" + sha(l) for l in layers]
    cfg = {
        "architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
        "config": {"Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "layer %d" % i}
                    for i in range(len(layers))],
    }
    cfg.update(config_extra or {})
    cfg_bytes = json.dumps(cfg).encode()
    cfg_name = sha(cfg_bytes) + ".json"
    entries = [(cfg_name, {}, cfg_bytes)]
    paths = []
    for i, l in enumerate(layers):
        d = "%064x" % (i + 1)
        entries.append((d, {"type": tarfile.DIRTYPE, "mode": 0o755}, b""))
        entries.append((d + "/layer.tar", {}, l))
        paths.append(d + "/layer.tar")
    if manifest is None:
        manifest = [{"Config": cfg_name, "RepoTags": [tag], "Layers": paths}]
    manifest = json.loads(json.dumps(manifest).replace("CONFIG", cfg_name))
    entries += members or []
    entries.append(("manifest.json", {}, json.dumps(manifest).encode()))
    with open(out, "wb") as f:
        f.write(tar_bytes(entries))


def main():
    out, kind = sys.argv[1], sys.argv[2]
    base = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 and sys.argv[3] else None
    canary = sys.argv[4] if len(sys.argv) > 4 else "/nonexistent"
    ok = tar_bytes([("ok", {}, b"ok\n")])
    if kind.startswith("many:"):
        n = int(kind[5:])
        layers = [base] + [tar_bytes([("layers/%d" % i, {}, b"%d\n" % i)]) for i in range(1, n)]
        write_archive(out, layers, tag="many:latest")
    elif kind == "member-dotdot":
        write_archive(out, [ok], members=[("../../../../.." + canary + "/x", {}, b"x")])
    elif kind == "member-huge":
        buf = io.BytesIO()
        ti = tarfile.TarInfo("huge")
        ti.size = 1 << 40
        buf.write(ti.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
        buf.write(b"\0" * 4096)
        open(out, "wb").write(buf.getvalue())
    elif kind == "manifest-outside":
        write_archive(out, [ok], manifest=[
            {"Config": "CONFIG", "RepoTags": ["evil:latest"], "Layers": ["../../etc/passwd"]}])
    elif kind == "manifest-symlink-outside":
        write_archive(out, [ok], members=[
            ("escape.tar", {"type": tarfile.SYMTYPE, "linkname": "../../../../etc/passwd"}, b"")],
            manifest=None)
        # Point the only layer at the escaping symlink.
        data = open(out, "rb").read()
        t = tarfile.open(fileobj=io.BytesIO(data))
        man = json.loads(t.extractfile("manifest.json").read())
        man[0]["Layers"] = ["escape.tar"]
        entries = [(m.name, {"type": m.type, "linkname": m.linkname, "mode": m.mode},
                    t.extractfile(m).read() if m.isfile() else b"")
                   for m in t.getmembers() if m.name != "manifest.json"]
        entries.append(("manifest.json", {}, json.dumps(man).encode()))
        open(out, "wb").write(tar_bytes(entries))
    elif kind == "layer-dotdot":
        write_archive(out, [tar_bytes([("ok", {}, b"ok\n"),
                                       ("../../../../../.." + canary + "/dotdot", {}, b"x")])])
    elif kind == "layer-symlink":
        write_archive(out, [tar_bytes([
            ("evil", {"type": tarfile.SYMTYPE, "linkname": canary}, b""),
            ("evil/through", {}, b"pwned\n")])])
    elif kind == "layer-hardlink":
        write_archive(out, [tar_bytes([
            ("h", {"type": tarfile.LNKTYPE, "linkname": "../../../../../.." + canary + "/t"},
             b"")])])
    elif kind == "layer-whiteout":
        write_archive(out, [ok, tar_bytes([(".wh...", {}, b"")])])
    elif kind == "layer-huge":
        big = io.BytesIO()
        ti = tarfile.TarInfo("huge")
        ti.size = 1 << 40
        big.write(ti.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
        big.write(b"\0" * 4096)
        write_archive(out, [big.getvalue()])
    elif kind == "diff-mismatch":
        write_archive(out, [ok], config_extra={
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}})
    elif kind == "second-layer-bad":
        # The first layer is fine: it must not stay in the store either.
        write_archive(out, [ok, tar_bytes([("../../x", {}, b"x")])])
    else:
        sys.exit("unknown kind " + kind)


main()
