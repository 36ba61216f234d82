#!/usr/bin/env python3
"""Builds the raw seed corpora of the fuzz targets from testdata/ into
fuzz/corpus-raw/<target>/ (not committed; `cargo fuzz cmin` turns them into
the committed fuzz/corpus/<target>/). Run from anywhere."""
import hashlib, io, json, os, tarfile, gzip
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TD = ROOT / "testdata"
OUT = ROOT / "fuzz" / "corpus-raw"
MARK = "#### "


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


# Dockerfiles
for base in ["parser", "lint", "builder/cases", "corpus", "model", "convert", "make", "script", "verify"]:
    for p in (TD / base).rglob("*"):
        if p.is_file() and (p.name.startswith("Dockerfile") or p.name.endswith(".Dockerfile")) \
                and not p.name.endswith((".json", ".txt", ".dockerignore")) and p.stat().st_size < 64_000:
            put("dockerfile", p.read_bytes())

# Words: the lexer cases of testdata/shell
for p in (TD / "shell").glob("*.txt"):
    env = {}
    for line in p.read_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            case = json.loads(line)
        except ValueError:
            continue
        if "default_env" in case:
            env = case["default_env"]
            continue
        if "in" not in case:
            continue
        flags = 0
        if case.get("escape") == "`":
            flags |= 1
        mode = case.get("mode", [])
        flags |= 2 if "raw_quotes" in mode else 0
        flags |= 4 if "raw_escapes" in mode else 0
        flags |= 8 if "skip_unset_env" in mode else 0
        e = case.get("env", env)
        body = "".join(f"{k}={v}\n" for k, v in e.items()) + "\n" + case["in"]
        for entry in range(4):
            put("word_expand", bytes([flags | entry << 4]) + body.encode())


def setup(dir, driver, driver_out):
    parts = [(dir / driver).read_text(errors="replace")]
    for p in sorted(dir.rglob("*")):
        if p.is_file() and p.name != driver and p.stat().st_size < 16_000 and p.name not in ("expected.txt",):
            try:
                text = p.read_text()
            except UnicodeDecodeError:
                continue
            rel = p.relative_to(dir).as_posix()
            parts.append(f"{MARK}{rel}\n{text}")
    return "\n".join(x if x.endswith("\n") else x + "\n" for x in parts)


# Shell setups: convert cases and script cases
for base in [TD / "convert", TD / "script", TD / "verify"]:
    for sh in base.rglob("*.sh"):
        d = sh.parent
        if sh.stat().st_size < 32_000:
            text = setup(d, sh.name, "build.sh")
            if sh.name != "build.sh":
                text = text.replace(f"{MARK}build.sh\n", f"{MARK}build.sh.orig\n")
            put("script_bash", text)

# Makefile setups
for mk in list((TD / "make").rglob("Makefile")) + list((TD / "convert").rglob("Makefile")):
    d = mk.parent
    text = setup(d, "Makefile", "Makefile")
    t = d / "target.txt"
    if t.exists():
        text = f"#@ {t.read_text().strip()}\n" + text
    put("script_make", text)


# Tars
def tar_bytes(entries, fmt=tarfile.GNU_FORMAT, pax=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, pax_headers=pax or {}) as t:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if kind == "dir":
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755
                t.addfile(ti)
            elif kind == "file":
                data = e[2]
                ti.size = len(data); ti.mode = e[3] if len(e) > 3 else 0o644
                if len(e) > 4:
                    ti.pax_headers = e[4]
                t.addfile(ti, io.BytesIO(data))
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE; ti.linkname = e[2]; ti.mode = 0o777
                t.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.LNKTYPE; ti.linkname = e[2]
                t.addfile(ti)
            elif kind == "chr":
                ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3
                t.addfile(ti)
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
                t.addfile(ti)
    return buf.getvalue()


layers = [
    [("dir", "etc/"), ("file", "etc/hostname", b"fuzz\n"), ("file", "bin/sh", b"#!x", 0o755)],
    [("dir", "a/"), ("file", "a/.wh.b", b""), ("file", "a/.wh..wh..opq", b""), ("file", ".wh.c", b"")],
    [("file", "x", b"data"), ("link", "y", "x"), ("sym", "z", "/x"), ("sym", "up", "../../..")],
    [("sym", "d", "/etc"), ("file", "d/passwd-fuzz", b"no")],
    [("file", "../escape", b"no"), ("file", "/abs", b"no"), ("dir", "./"), ("file", "./a/../b", b"b")],
    [("chr", "dev/null"), ("fifo", "p"), ("file", "s", b"setuid", 0o4755)],
    [("file", "cap", b"x", 0o755, {"SCHILY.xattr.security.capability": "\x01\x00\x00\x02"}),
     ("file", "ux", b"x", 0o644, {"SCHILY.xattr.user.k": "v", "mtime": "1.5", "uid": "1000"})],
    [("dir", "d/"), ("file", "d/f", b"1"), ("file", "d", b"replaced"), ("dir", "d/")],
]
for i, entries in enumerate(layers):
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        try:
            put("layer_read", tar_bytes(entries, fmt))
        except Exception as ex:
            print("skip", i, ex)
put("layer_read", gzip.compress(tar_bytes(layers[0]), mtime=0))
long = "x/" * 80 + "long"
put("layer_read", tar_bytes([("file", long, b"l"), ("sym", "ls", long)], tarfile.GNU_FORMAT))
put("layer_read", tar_bytes([("file", long, b"l"), ("sym", "ls", long)], tarfile.PAX_FORMAT))
for p in TD.rglob("*.tar"):
    if p.stat().st_size < 64_000:
        put("layer_read", p.read_bytes())


# Archives: docker-archive (old and combined form) and OCI archives
def sha(b):
    return hashlib.sha256(b).hexdigest()


def docker_archive(layer_tars, tags=("fuzz:latest",), oci_blobs=False):
    files = {}
    diff_ids = [sha(l) for l in layer_tars]
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
                         "history": [{"created_by": "fuzz"} for _ in layer_tars]}).encode()
    cid = sha(config)
    layer_paths = []
    for l, d in zip(layer_tars, diff_ids):
        if oci_blobs:
            path = f"blobs/sha256/{d}"
        else:
            path = f"{d}/layer.tar"
        files[path] = l
        layer_paths.append(path)
    cpath = f"blobs/sha256/{cid}" if oci_blobs else f"{cid}.json"
    files[cpath] = config
    files["manifest.json"] = json.dumps([{"Config": cpath, "RepoTags": list(tags), "Layers": layer_paths}]).encode()
    files["repositories"] = json.dumps({t.split(":")[0]: {t.split(":")[1]: cid} for t in tags}).encode()
    return files


def oci_archive(layer_tars, name="fuzz:latest", gz=False):
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}'}
    layers, diff_ids = [], []
    for l in layer_tars:
        diff_ids.append("sha256:" + sha(l))
        blob = gzip.compress(l, mtime=0) if gz else l
        files[f"blobs/sha256/{sha(blob)}"] = blob
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gz else ""),
                       "digest": "sha256:" + sha(blob), "size": len(blob)})
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    files[f"blobs/sha256/{sha(config)}"] = config
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + sha(config), "size": len(config)},
                           "layers": layers}).encode()
    files[f"blobs/sha256/{sha(manifest)}"] = manifest
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest),
         "size": len(manifest), "annotations": {"io.containerd.image.name": "docker.io/library/" + name,
                                                 "org.opencontainers.image.ref.name": name.split(":")[1]},
         "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    return files


def pack(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files.items():
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


small = [tar_bytes(layers[0]), tar_bytes(layers[1]), tar_bytes(layers[2])]
put("archive_load", pack(docker_archive(small[:1])))
put("archive_load", pack(docker_archive(small, tags=("a:1", "b/c:2"))))
put("archive_load", pack(docker_archive(small[:2], oci_blobs=True)))
put("archive_load", pack(oci_archive(small[:2])))
put("archive_load", pack(oci_archive(small[2:], gz=True)))
put("archive_load", pack(docker_archive([tar_bytes(layers[3]), tar_bytes(layers[4])])))
put("archive_load", pack(oci_archive([tar_bytes(layers[5]), tar_bytes(layers[6])])))
for d in sorted(OUT.iterdir()):
    print(d.name, len(list(d.iterdir())))
