#!/usr/bin/env python3
"""Differential test of `msmigrate convert` against the real Docker engine.

Composes random builder-pattern setups (a Dockerfile.build, a `build.sh`
driver doing `docker build`/`create`/`cp`/`run`, host steps, and a runtime
Dockerfile) from the idioms the converter claims to handle, runs each setup
as-is on the engine (`bash build.sh`, DOCKER_BUILDKIT=0, the real docker
first on PATH), converts it with `msmigrate convert DIR --format json`,
builds the conversion from a fresh copy of the setup, and compares the two
final images exactly: every exported path's type, mode, uid, gid, size,
sha256 and link target, and the config fields Cmd, Entrypoint, Env,
WorkingDir, User, ExposedPorts, Labels, Volumes (what tests/e2e_docker.rs
compares).

Case i of seed S is generated from random.Random(f"{S}:{i}") alone, so any
case can be replayed with `--seed S --case i`.

Classes: converted-equal (ok), partial / unsupported with every error
diagnostic located (ok), converted-differs, converted-build-fails,
unlocated-diagnostic, nothing-to-convert, crash (failures), legacy-failed
(the generator made a setup that does not work: a generator bug).

Exit status: 0 no failure, 1 failures (or stale known entries), 3 setup
problems (no engine, no base images, no binary).

Python 3 standard library only.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

DOCKER = os.environ.get("MSMIGRATE_DOCKER", "/usr/bin/docker")
CONFIG_FIELDS = ["Cmd", "Entrypoint", "Env", "WorkingDir", "User", "ExposedPorts", "Labels", "Volumes"]
OK_CLASSES = {"converted-equal", "partial-located", "unsupported-located"}
FAIL_CLASSES = {
    "converted-differs",
    "converted-build-fails",
    "unlocated-diagnostic",
    "nothing-to-convert",
    "crash",
}
BASES = ["busybox:latest", "alpine:3.19", "debian:bookworm-slim"]
RUNTIME_BASES = ["alpine:3.19", "busybox:latest", "debian:bookworm-slim"]


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


def q(s):
    """Single-quotes for sh."""
    return shlex.quote(s)


class HostTree:
    """What the build script leaves in the setup directory: a loose model
    (relative path -> 'f', 'd' or 'l'), only used to pick paths that exist,
    so that the legacy script and runtime build work."""

    def __init__(self):
        self.kinds = {}
        self.art = set()  # paths whose content came out of a container

    def add(self, path, kind, art=False):
        parts = path.split("/")
        for n in range(1, len(parts)):
            self.kinds.setdefault("/".join(parts[:n]), "d")
        self.kinds[path] = kind
        if art:
            self.art.add(path)

    def remove(self, path):
        for p in list(self.kinds):
            if p == path or p.startswith(path + "/"):
                del self.kinds[p]
                self.art.discard(p)

    def art_files(self):
        return sorted(p for p in self.art if self.kinds.get(p) == "f")

    def art_dirs(self):
        files = self.art_files()
        return sorted(d for d, k in self.kinds.items() if k == "d" and any(f.startswith(d + "/") for f in files))

    def under_art(self, path):
        return {p[len(path) + 1:] for p in self.art if p.startswith(path + "/")}

    def under(self, path):
        return {p[len(path) + 1:]: k for p, k in self.kinds.items() if p.startswith(path + "/")}

    def graft(self, path, tree, art=True, arts=None):
        """Puts a tree (relative path -> kind) at path."""
        self.add(path, "d")
        for rel, kind in sorted(tree.items()):
            self.add(f"{path}/{rel}", kind, art if arts is None else rel in arts)

    def move(self, src, dst):
        sub = self.under(src)
        arts = self.under_art(src)
        kind = self.kinds[src]
        was = src in self.art
        self.remove(src)
        self.add(dst, kind, was)
        for rel, k in sub.items():
            self.add(f"{dst}/{rel}", k, rel in arts)

    def files(self, prefix=None):
        return sorted(
            p for p, k in self.kinds.items()
            if k == "f" and (prefix is None or p.startswith(prefix + "/"))
        )

    def dirs(self):
        return sorted(p for p, k in self.kinds.items() if k == "d")

    def exists(self, p):
        return p in self.kinds


class Gen:
    """One generated setup."""

    def __init__(self, seed, case):
        self.seed = str(seed)
        self.case = case
        self.rng = random.Random(f"{seed}:{case}")
        slug = re.sub(r"[^a-z0-9]+", "", self.seed.lower()) or "s"
        self.slug = f"{slug}-{case}"
        self.files = {}  # path -> (text, mode)
        self.idioms = set()
        self.host = HostTree()
        self.checkout = HostTree()
        self.tags = set()
        self.token = "%08x" % self.rng.getrandbits(32)

    def idiom(self, name):
        self.idioms.add(name)

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(list(seq))

    def write(self, path, text, mode=0o644):
        self.files[path] = (text, mode)
        self.checkout.add(path, "f")
        self.host.add(path, "f")

    # -- the builder --------------------------------------------------------

    def builder_tree(self):
        """Files the builder leaves under its output directory."""
        tree = {"app": ("f", 0o755)}
        pool = ["lib/util.so", "lib/helper.txt", "conf/app.conf", "README.md", "VERSION",
                "share/doc/notes.txt", "data.json", "app.map", "static/css/site.css", "static/index.html"]
        for name in self.rng.sample(pool, self.rng.randint(1, 4)):
            tree[name] = ("f", self.pick([0o644, 0o644, 0o644, 0o600, 0o755, 0o640]))
        if self.chance(0.2):
            tree["current"] = ("l", "app")
            self.idiom("builder:symlink")
        return tree

    def builder_dockerfile(self, base, out, tree):
        lines = [f"FROM {base}"]
        user = None
        if self.chance(0.15):
            user = "app"
            self.idiom("builder:user")
        src_copy = self.chance(0.35)
        if src_copy:
            self.write("src/main.c", f"int main(void) {{ return 0; }} /* {self.token} */\n")
            self.write("src/util.c", "int util(void) { return 1; }\n")
            self.idiom("builder:copy-src")
        dirs = sorted({f"{out}/{os.path.dirname(p)}".rstrip("/") for p in tree} | {out})
        if user:
            lines.append(f"RUN mkdir -p {' '.join(dirs)} && chown -R {user} {out}")
            lines.append(f"USER {user}")
        if src_copy:
            lines.append("COPY src/ /src/")
        if self.chance(0.25):
            wd = self.pick(["/app", "/work"])
            lines.append(f"WORKDIR {wd}")
            self.idiom("builder:workdir")
        cmds = [f"mkdir -p {' '.join(dirs)}"] if not user else []
        for rel, (kind, arg) in sorted(tree.items()):
            path = f"{out}/{rel}"
            if kind == "l":
                continue
            if rel == "app" and src_copy:
                cmds.append(f"cat /src/main.c /src/util.c > {path}")
            else:
                cmds.append(f"printf '%s\\n' {q(rel + ' ' + self.token)} > {path}")
            cmds.append(f"chmod {arg:o} {path}")
        for rel, (kind, arg) in sorted(tree.items()):
            if kind == "l":
                cmds.append(f"ln -s {arg} {out}/{rel}")
        lines.append("RUN " + " && ".join(cmds))
        if not user and self.chance(0.15):
            victim = self.pick(sorted(r for r, (k, _) in tree.items() if k == "f"))
            lines.append(f"RUN chown 1000:1000 {out}/{victim}")
            self.idiom("builder:chown")
        if self.chance(0.2):
            lines.append('CMD ["sh"]')
        return "\n".join(lines) + "\n"

    # -- the driver ---------------------------------------------------------

    def generate(self):
        rng = self.rng
        script = []
        pre = []  # guards, traps, variables
        shell = self.pick(["#!/bin/bash", "#!/bin/sh", "#!/usr/bin/env bash"])
        script_head = [shell]
        strict = self.pick(["", "set -e", "set -e", "set -eu", "set -euo pipefail" if "bash" in shell else "set -e"])
        if strict:
            script_head.append(strict)
            self.idiom("script:" + strict.replace(" ", "_"))
        if self.chance(0.2):
            pre.append("command -v docker >/dev/null || exit 1")
            self.idiom("script:guard-command-v")
        if self.chance(0.15):
            pre.append('[ -z "$GOPATH" ] && exit 1')
            self.idiom("script:guard-gopath")
        if self.chance(0.1):
            pre.append('if ! command -v docker >/dev/null 2>&1; then\n    echo "docker is required" >&2\n    exit 1\nfi')
            self.idiom("script:guard-if")

        builder_tag = f"msmigrate-difftest/{self.slug}-build"
        runtime_tag = f"msmigrate-difftest/{self.slug}:latest"
        self.tags |= {builder_tag, runtime_tag}
        use_vars = self.chance(0.35)
        if use_vars:
            self.idiom("script:variables")
            pre.append(f"IMAGE=msmigrate-difftest/{self.slug}")
            pre.append('TAG=${TAG:-latest}')
            pre.append('BUILDER="$IMAGE-build"')
            bref, rref = '"$BUILDER"', '"$IMAGE:$TAG"'
        else:
            bref, rref = builder_tag, runtime_tag
        cname = f"mdt-{self.slug}-x"

        base = self.pick(BASES)
        out = self.pick(["/out", "/app/target", "/build/dist", "/opt/dest", "/src/bin"])
        tree = self.builder_tree()
        mode = self.pick(["cp-file", "cp-dir", "cp-dot", "cp-dir-nest", "run-cp", "run-v", "stdout-cat",
                          "tar-stream", "tar-stream", "cp-stream", "gz-add", "loop-cp"])
        self.idiom("extract:" + mode)
        outbase = os.path.basename(out)

        def build_cmd(tag, dockerfile, ctx="."):
            spelling = rng.randrange(4)
            if dockerfile == "Dockerfile" and rng.random() < 0.5:
                return f"docker build -t {tag} {ctx}"
            return [
                f"docker build -t {tag} -f {dockerfile} {ctx}",
                f"docker build -f {dockerfile} -t {tag} {ctx}",
                f"docker build --tag {tag} --file {dockerfile} {ctx}",
                f"docker image build -t {tag} -f {dockerfile} {ctx}",
            ][spelling]

        # The extraction: body lines and what lands on the host.
        body = []
        cid_capture = self.chance(0.25) and mode in ("cp-file", "cp-dir", "cp-dot", "cp-dir-nest", "loop-cp", "cp-stream")
        cref = '"$cid"' if cid_capture else cname
        trap = False
        if mode != "run-v":
            self.files["Dockerfile.build"] = (self.builder_dockerfile(base, out, tree), 0o644)
            self.checkout.add("Dockerfile.build", "f")
            body.append(build_cmd(bref, "Dockerfile.build"))

        def create():
            if cid_capture:
                self.idiom("script:cid-capture")
                body.append(f"cid=$(docker {self.pick(['create', 'container create'])} {bref})")
            else:
                body.append(f"docker {self.pick(['create', 'container create'])} --name {cname} {bref}")

        def remove():
            if not trap:
                body.append(f"docker {self.pick(['rm', 'rm -v', 'rm -f', 'container rm'])} {cref}"
                            + self.pick(["", " >/dev/null"]))

        if mode in ("cp-file", "cp-dir", "cp-dot", "cp-dir-nest", "loop-cp", "cp-stream") and not cid_capture and self.chance(0.25):
            trap = True
            self.idiom("script:trap")
            pre.append(f"trap 'docker rm -f {cname} >/dev/null 2>&1 || true' EXIT")

        dist = self.pick(["dist", "build", "release", "out", "artifacts"])
        if mode == "cp-file":
            create()
            dest = self.pick([".", "./app", "bin/", "bin/app", "server"])
            if dest.startswith("bin/"):
                body.append("mkdir -p bin")
            body.append(f"docker {self.pick(['cp', 'container cp'])} {cref}:{out}/app {dest}")
            hp = {"./app": "app", ".": "app", "bin/": "bin/app"}.get(dest, dest)
            self.host.add(hp, "f", True)
            remove()
        elif mode == "loop-cp":
            create()
            names = ["app"] + [r for r, (k, _) in sorted(tree.items()) if k == "f" and "/" not in r and r != "app"][:2]
            body.append(f"mkdir -p {dist}")
            self.idiom("script:loop")
            body.append(f"for f in {' '.join(names)}; do\n    docker cp {cref}:{out}/$f {dist}/\ndone")
            for n in names:
                self.host.add(f"{dist}/{n}", "f", True)
            remove()
        elif mode in ("cp-dir", "cp-dir-nest", "cp-dot"):
            create()
            if mode == "cp-dir":
                if self.chance(0.3):
                    body.append(f"rm -rf {dist}")
                body.append(f"docker cp {cref}:{out} {self.pick([dist, './' + dist])}")
                top = dist
            elif mode == "cp-dir-nest":
                body.append(f"mkdir -p {dist}")
                body.append(f"docker cp {cref}:{out} {dist}{self.pick(['', '/'])}")
                top = f"{dist}/{outbase}"
            else:
                if self.chance(0.7):
                    body.append(f"mkdir -p {dist}")
                body.append(f"docker cp {cref}:{out}/. {dist}{self.pick(['', '/'])}")
                top = dist
            self.host.graft(top, {r: k for r, (k, _) in tree.items()})
            remove()
        elif mode == "cp-stream":
            create()
            body.append(f"mkdir -p {dist}")
            if self.chance(0.5):
                body.append(f"docker cp {cref}:{out} - | tar -x -C {dist} --strip-components=1")
                self.idiom("tar:strip-components")
                self.host.graft(dist, {r: k for r, (k, _) in tree.items()})
            else:
                body.append(f"docker cp {cref}:{out} - | tar {self.pick(['-x', 'x', '-xf -', 'xf -'])} -C {dist}")
                self.host.graft(f"{dist}/{outbase}", {r: k for r, (k, _) in tree.items()})
            remove()
        elif mode == "run-cp":
            cmd = self.pick(["true", "sh -c true", f"ls {out}"])
            body.append(f"docker run --name {cname} {bref} {cmd}" + (" >/dev/null" if cmd.startswith("ls") else ""))
            body.append(f"docker cp {cname}:{out} {dist}")
            self.host.graft(dist, {r: k for r, (k, _) in tree.items()})
            body.append(f"docker rm {cname}")
        elif mode == "stdout-cat":
            body.append(f"docker run --rm {bref} cat {out}/app > app")
            self.host.add("app", "f", True)
            if self.chance(0.5):
                body.append("chmod +x app")
                self.idiom("host:chmod-symbolic")
        elif mode == "tar-stream":
            z = self.chance(0.25)
            zc = "z" if z else ""
            if z:
                self.idiom("tar:gzip-stream")
            inside = self.pick([
                f"tar -c{zc} -C {out} .",
                f"tar -c{zc}f - -C {out} .",
                f"tar c{zc}f - -C {out} .",
                f"tar -c{zc} -f - -C {out} .",
                f"tar -C {out} -c{zc}f - .",
            ])
            outside = self.pick([
                f"tar -x{zc} -C {dist}",
                f"tar -x{zc}f - -C {dist}",
                f"tar x{zc}f - -C {dist}",
                f"tar --extract {'--gzip ' if z else ''}--file=- --directory={dist}",
                f"tar -C {dist} -x{zc}",
                f"(cd {dist} && tar -x{zc}f -)",
            ])
            self.idiom("tar:" + re.sub(r"[^a-z-]+", "_", inside.split(" -C")[0] if not inside.startswith("tar -C") else "tar -C first"))
            body.append(f"mkdir -p {dist}")
            body.append(f"docker run --rm {bref} {inside} | {outside}")
            self.host.graft(dist, {r: k for r, (k, _) in tree.items()})
        elif mode == "gz-add":
            kind = self.pick(["run", "host"])
            if kind == "run":
                body.append(f"docker run --rm {bref} tar -czf - -C {out} . > {dist}.tar.gz")
            else:
                create()
                body.append(f"docker cp {cref}:{out} {dist}")
                remove()
                flag = self.pick(["-czf", "czf", "-c -z -f", "--create --gzip --file"])
                sep = "=" if flag.endswith("--file") else " "
                body.append(f"tar {flag}{sep}{dist}.tar.gz -C {dist} .")
                self.idiom("tar:host-create")
            self.host.add(f"{dist}.tar.gz", "f", True)
        elif mode == "run-v":
            self.write("src/main.c", f"int main(void) {{ return 0; }} /* {self.token} */\n")
            self.write("src/util.c", "int util(void) { return 1; }\n")
            vol = self.pick(['"$PWD"', '"$(pwd)"', "$(pwd)"])
            wd = self.pick(["/src", "/work"])
            inner = f"mkdir -p {dist} && cat src/main.c src/util.c > {dist}/app && chmod 755 {dist}/app && echo {self.token} > {dist}/VERSION"
            body.append(f"docker run --rm -v {vol}:{wd} -w {wd} {base} sh -c {q(inner)}")
            self.host.add(f"{dist}/app", "f", True)
            self.host.add(f"{dist}/VERSION", "f", True)

        # Host steps.
        host_lines = self.host_steps(dist)
        body.extend(host_lines)

        # The runtime Dockerfile and its build.
        ctx_tmp = self.chance(0.12)
        runtime, used_top = self.runtime_dockerfile(mode, dist)
        self.files["Dockerfile"] = (runtime, 0o644)
        if ctx_tmp:
            self.idiom("script:mktemp-context")
            body.append("ctx=$(mktemp -d)")
            body.append(f"cp -a Dockerfile {' '.join(sorted(used_top))} \"$ctx\"/")
            body.append(build_cmd(rref, "Dockerfile", '"$ctx"').replace(' -f Dockerfile ', ' -f "$ctx"/Dockerfile ').replace(' --file Dockerfile ', ' --file "$ctx"/Dockerfile '))
            body.append('rm -rf "$ctx"')
        else:
            body.append(build_cmd(rref, "Dockerfile"))

        # Functions wrap parts of the body.
        if self.chance(0.25):
            self.idiom("script:function")
            fn = self.pick(["build", "main", "release"])
            # Heredoc bodies keep their lines as they are (the delimiter must start its line).
            body = [f"{fn}() {{"] + ["    " + (l if "<<" in l else l.replace("\n", "\n    ")) for l in body] + ["}", "", fn]
        if self.chance(0.15):
            self.idiom("script:conditional-clean")
            body.insert(0, f"if [ -d {dist} ]; then\n    rm -rf {dist}\nfi")

        text = "\n".join(script_head + pre + [""] + body) + "\n"
        self.files["build.sh"] = (text, 0o755)

        if self.chance(0.12):
            self.dockerignore(dist)
        return self

    def host_steps(self, dist):
        rng = self.rng
        lines = []
        n = self.pick([0, 1, 1, 2, 2, 3, 4])
        for _ in range(n):
            files = [f for f in self.host.files() if f not in self.checkout.kinds and not f.endswith(".tar.gz")]
            dirs = [d for d in self.host.dirs() if d not in self.checkout.kinds and d not in ("src",)]
            step = self.pick(["mkdir", "rm", "mv", "cp", "ln", "chmod-octal", "chmod-symbolic", "chown",
                              "touch", "redirect", "append", "tee", "heredoc", "cat-checkout", "sed", "gzip",
                              "tar-roundtrip", "mv-dir", "cp-dot"])
            if step in ("rm", "mv", "cp", "ln", "chmod-octal", "chmod-symbolic", "chown", "sed", "gzip", "append") and not files:
                continue
            if step in ("mv-dir", "cp-dot", "tar-roundtrip") and not dirs:
                continue
            self.idiom("host:" + step)
            if step == "mkdir":
                parent = self.pick(dirs) if dirs else dist
                d = f"{parent}/{self.pick(['logs', 'empty', 'run/tmp'])}"
                lines.append(f"mkdir -p {d}")
                self.host.add(d, "d")
            elif step == "rm":
                f = self.pick(files)
                if f in self.host.art and len(self.host.art_files()) < 2:
                    continue
                lines.append(f"rm {self.pick(['-f ', '', '-rf '])}{f}")
                self.host.remove(f)
            elif step == "mv":
                f = self.pick(files)
                d = os.path.dirname(f)
                new = (d + "/" if d else "") + os.path.basename(f) + self.pick(["-1.0", ".bin", "_renamed"])
                lines.append(f"mv {f} {new}")
                self.host.move(f, new)
            elif step == "cp":
                f = self.pick(files)
                flag = self.pick(["", "-p ", "-a ", "-r "])
                target = self.pick(["bin", "opt"])
                lines.append(f"mkdir -p {target}")
                lines.append(f"cp {flag}{f} {target}/")
                self.host.add(f"{target}/{os.path.basename(f)}", "f", f in self.host.art)
            elif step == "cp-dot":
                d = self.pick(dirs)
                target = self.pick(["pkg", "stage"])
                flag = self.pick(["-r", "-a", "-R", "-rp"])
                if self.exists_top(target):
                    continue
                lines.append(f"mkdir -p {target}")
                lines.append(f"cp {flag} {d}/. {target}/")
                self.host.graft(target, self.host.under(d), arts=self.host.under_art(d))
            elif step == "mv-dir":
                d = self.pick(dirs)
                if "/" in d:
                    continue
                new = d + self.pick(["-final", "_rel"])
                lines.append(f"mv {d} {new}")
                self.host.move(d, new)
            elif step == "ln":
                f = self.pick(files)
                link = f + "-link"
                lines.append(f"ln -s {os.path.basename(f)} {link}")
                self.host.add(link, "l")
            elif step == "chmod-octal":
                f = self.pick(files)
                lines.append(f"chmod {self.pick(['0755', '755', '600', '0640', '4755', '444'])} {f}")
            elif step == "chmod-symbolic":
                if dirs and self.chance(0.3):
                    lines.append(f"chmod -R {self.pick(['go-w', 'a+rX', 'o-rwx'])} {self.pick(dirs)}")
                    self.idiom("host:chmod-recursive")
                else:
                    lines.append(f"chmod {self.pick(['+x', 'a+x', 'u+x', 'go-r', 'u=rwx,go=rx', 'a-w'])} {self.pick(files)}")
            elif step == "chown":
                target = self.pick(files + dirs)
                rec = "-R " if target in dirs else ""
                lines.append(f"chown {rec}{self.pick(['1000:1000', '123', 'nobody'])} {target}")
            elif step == "touch":
                parent = self.pick(dirs) if dirs else "."
                f = f"{parent}/.keep" if parent != "." else "stamp"
                lines.append(f"touch {f}")
                self.host.add(f.lstrip("./") if parent == "." else f, "f")
            elif step == "redirect":
                parent = self.pick(dirs) if dirs else dist
                lines.append(f"mkdir -p {parent}")
                f = f"{parent}/BUILD_INFO"
                lines.append(f"echo {q('built ' + self.token)} > {f}")
                self.host.add(f, "f")
            elif step == "append":
                f = self.pick(files)
                lines.append(f"echo 'extra line' >> {f}")
            elif step == "tee":
                parent = self.pick(dirs) if dirs else dist
                lines.append(f"mkdir -p {parent}")
                f = f"{parent}/tee.txt"
                lines.append(f"echo {q(self.token)} | tee {self.pick(['', '-a '])}{f} >/dev/null")
                self.host.add(f, "f")
            elif step == "heredoc":
                parent = self.pick(dirs) if dirs else dist
                lines.append(f"mkdir -p {parent}")
                f = f"{parent}/config.ini"
                delim = self.pick(["EOF", "'EOF'", "END"])
                lines.append(f"cat > {f} <<{delim}\n[app]\nname = {self.token}\n{delim.strip(chr(39))}")
                self.host.add(f, "f")
            elif step == "cat-checkout":
                if "conf/base.conf" not in self.files:
                    self.write("conf/base.conf", "level = info\n")
                    self.write("conf/local.conf", f"token = {self.token}\n")
                parent = self.pick(dirs) if dirs else dist
                lines.append(f"mkdir -p {parent}")
                f = f"{parent}/app.conf"
                lines.append(f"cat conf/base.conf conf/local.conf > {f}")
                self.host.add(f, "f")
            elif step == "sed":
                f = self.pick(files)
                expr = self.pick([q("s/" + self.token + "/patched/"), q("1s/^/# header\\n/"), q("$a done")])
                lines.append(f"sed -i {expr} {f}")
            elif step == "gzip":
                f = self.pick(files)
                keep = self.chance(0.4)
                lines.append(f"gzip -n{'k' if keep else ''}{self.pick(['', '9'])} {f}")
                art = f in self.host.art
                if not keep:
                    self.host.remove(f)
                self.host.add(f + ".gz", "f", art)
            elif step == "tar-roundtrip":
                d = self.pick(dirs)
                if "/" in d:
                    continue
                comp = self.pick(["", "z", "j", "J"])
                ext = {"": "tar", "z": "tar.gz", "j": "tar.bz2", "J": "tar.xz"}[comp]
                create = self.pick([f"-c{comp}f", f"c{comp}f", f"-c{comp} -f"])
                if comp == "" and self.chance(0.3):
                    create = "--create --file"
                    lines.append(f"tar --create --file=pkg.{ext} -C {d} .")
                else:
                    lines.append(f"tar {create} pkg.{ext} -C {d} .")
                new = d + "-x"
                lines.append(f"mkdir -p {new}")
                strip = self.chance(0.3)
                if strip:
                    lines.append(f"tar -x{comp}f pkg.{ext} -C {new} --strip-components=1")
                    self.idiom("tar:strip-components")
                    # `./a/b` loses its leading `.`: the same tree.
                    sub = self.host.under(d)
                else:
                    lines.append(self.pick([f"tar -x{comp}f pkg.{ext} -C {new}", f"tar -C {new} -x{comp}f pkg.{ext}"]))
                    sub = self.host.under(d)
                lines.append(f"rm -f pkg.{ext}")
                self.host.graft(new, sub, arts=self.host.under_art(d))
        return lines

    def exists_top(self, name):
        return self.host.exists(name)

    def runtime_dockerfile(self, mode, dist):
        rng = self.rng
        lines = [f"FROM {self.pick(RUNTIME_BASES)}"]
        used_top = set()
        workdir = None
        if self.chance(0.35):
            workdir = self.pick(["/srv", "/app", "/opt/svc"])
            lines.append(f"WORKDIR {workdir}")
            self.idiom("runtime:workdir")
        if self.chance(0.1):
            lines.append("USER app")
            self.idiom("runtime:user-before-copy")
        artifacts = [p for p in self.host.kinds if p not in self.checkout.kinds]
        tops = sorted({p.split("/")[0] for p in artifacts})
        copies = []
        if mode == "gz-add":
            tarball = self.pick([p for p in artifacts if p.endswith(".tar.gz")])
            copies.append(f"ADD {tarball} {self.pick(['/opt/app/', '/opt/app', '/usr/share/app/'])}")
            used_top.add(tarball.split("/")[0])
            self.idiom("runtime:add-tarball")
        else:
            n = self.pick([1, 1, 2, 3])
            for k in range(n):
                sfx = "" if k == 0 else str(k + 1)  # distinct destinations: no file/directory clash
                shape = self.pick(["file-abs", "file-dir", "file-rel", "dir", "dir-slash", "glob", "multi", "chown", "dir-rel"])
                if k == 0:
                    # The first COPY takes something that came out of a container.
                    art_files, art_dirs = self.host.art_files(), self.host.art_dirs()
                else:
                    art_files = [f for f in self.host.files() if f not in self.checkout.kinds]
                    art_dirs = [d for d in self.host.dirs() if d not in self.checkout.kinds and d != "src" and d != "conf"]
                if shape in ("dir", "dir-slash", "chown", "dir-rel") and not art_dirs:
                    shape = "file-abs"
                if not art_files:
                    shape = "dir"
                chown = ""
                if shape == "chown":
                    chown = self.pick(["--chown=1000:1000 ", "--chown=app:app ", "--chown=app "])
                    shape = "dir"
                    self.idiom("runtime:copy-chown")
                if shape == "file-abs":
                    f = self.pick(art_files)
                    copies.append(f"COPY {f} /usr/local/bin/{os.path.basename(f)}")
                elif shape == "file-dir":
                    f = self.pick(art_files)
                    copies.append(f"COPY {f} {self.pick(['/usr/local/bin/', f'/opt/bin{sfx}/'])}")
                elif shape == "file-rel":
                    f = self.pick(art_files)
                    copies.append(f"COPY {f} {self.pick(['./', '.', f'bin{sfx}/', f'tool{sfx}'])}")
                    self.idiom("runtime:relative-dest")
                elif shape in ("dir", "dir-slash", "dir-rel"):
                    d = self.pick(art_dirs)
                    src = d + ("/" if shape == "dir-slash" else "")
                    if shape == "dir-rel":
                        dest = self.pick(["./", "share/", "."])
                        self.idiom("runtime:relative-dest")
                    else:
                        dest = self.pick([f"/opt/app{sfx}", f"/opt/app{sfx}/", f"/usr/share/app{sfx}/"])
                    copies.append(f"COPY {chown}{src} {dest}")
                    f = d
                elif shape == "glob":
                    exts = sorted({os.path.splitext(x)[1] for x in art_files if os.path.splitext(x)[1]})
                    if not exts:
                        f = self.pick(art_files)
                        copies.append(f"COPY {f} /opt/misc{sfx}/")
                    else:
                        ext = self.pick(exts)
                        holders = sorted({os.path.dirname(x) for x in art_files if x.endswith(ext)})
                        h = self.pick(holders)
                        pat = (h + "/" if h else "") + "*" + ext
                        copies.append(f"COPY {pat} /opt/files{sfx}/")
                        f = pat
                    self.idiom("runtime:copy-glob")
                elif shape == "multi":
                    if len(art_files) < 2:
                        f = art_files[0]
                        copies.append(f"COPY {f} /opt/misc{sfx}/")
                    else:
                        a, b = self.rng.sample(art_files, 2)
                        if os.path.basename(a) == os.path.basename(b):
                            b = a
                        copies.append(f"COPY {a} {b} /opt/bin{sfx}/" if a != b else f"COPY {a} /opt/bin{sfx}/")
                        used_top.add(b.split("/")[0])
                        f = a
                    self.idiom("runtime:copy-multi")
                self.idiom("runtime:copy-" + shape)
                used_top.add(f.split("/")[0])
        if "conf/base.conf" in self.files and self.chance(0.4):
            copies.append("COPY conf/base.conf /etc/app/base.conf")
            used_top.add("conf")
            self.idiom("runtime:copy-checkout")
        lines.extend(copies)
        if self.chance(0.2):
            # After `USER app` only a world-writable place can be made.
            non_root = "USER app" in lines
            lines.append("RUN mkdir -p /tmp/app" if non_root else "RUN mkdir -p /var/lib/app")
        if self.chance(0.3):
            lines.append(f"ENV APP_TOKEN={self.token}")
        if self.chance(0.2):
            lines.append("EXPOSE 8080")
        if self.chance(0.2):
            lines.append(f'LABEL org.example.case="{self.slug}"')
        if self.chance(0.15):
            lines.append("USER 1000")
            self.idiom("runtime:user")
        lines.append(self.pick(['CMD ["/usr/local/bin/app"]', 'ENTRYPOINT ["sh", "-c"]', 'CMD ["sh"]', "CMD app --serve"]))
        return "\n".join(lines) + "\n", used_top

    def dockerignore(self, dist):
        pool = ["*.md", "src", "conf/local.conf", f"{dist}/*.map", "**/*.tmp", "!README.md", "*.orig"]
        if "builder:copy-src" in self.idioms:
            pool.remove("src")  # the legacy builder needs it
        pats = self.rng.sample(pool, self.rng.randint(1, 3))
        self.files[".dockerignore"] = ("\n".join(pats) + "\n", 0o644)
        self.idiom("runtime:dockerignore")

    def write_to(self, root):
        for path, (text, mode) in sorted(self.files.items()):
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
            os.chmod(full, mode)

    def show(self):
        out = []
        for path, (text, mode) in sorted(self.files.items(), key=lambda kv: (kv[0] != "build.sh", kv[0])):
            out.append(f"--- {path} ({mode:o})")
            out.append(text.rstrip("\n"))
        return "\n".join(out) + "\n"


def generate(seed, case):
    return Gen(seed, case).generate()


def load_setup(path):
    """A setup directory (a saved failure, a hand-made repro) as a case."""
    g = Gen("replay", 0)
    g.slug = "replay-" + re.sub(r"[^a-z0-9]+", "-", os.path.basename(os.path.abspath(path)).lower())
    for dirpath, _, names in os.walk(path):
        for n in names:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, path)
            if rel == "DIFFTEST-RESULT.txt":
                continue
            g.files[rel] = (open(full).read(), os.stat(full).st_mode & 0o7777)
            g.checkout.add(rel, "f")
    script = g.files.get("build.sh", ("", 0))[0]
    g.tags = set(re.findall(r"(?:-t|--tag)[ =]([^\s\"']+)", script))
    g.idioms = {"replay"}
    return g


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------


def docker(args, buildkit=False, check=True, timeout=600, stdin=None, **kw):
    env = dict(os.environ, DOCKER_BUILDKIT="1" if buildkit else "0")
    r = subprocess.run([DOCKER] + args, env=env, capture_output=True, timeout=timeout, stdin=stdin, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {r.stderr.decode(errors='replace').strip()}")
    return r


def filesystem(image):
    """Path -> description of every entry of the image's exported filesystem."""
    r = docker(["create", image], check=False)
    if r.returncode != 0:
        r = docker(["create", image, "none"])
    cid = r.stdout.decode().strip()
    try:
        p = subprocess.Popen([DOCKER, "export", cid], stdout=subprocess.PIPE)
        entries = {}
        with tarfile.open(fileobj=p.stdout, mode="r|") as tar:
            for m in tar:
                data = b""
                if m.isreg():
                    data = tar.extractfile(m).read()
                kind = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.DIRTYPE: "dir",
                        tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "char",
                        tarfile.BLKTYPE: "block", tarfile.FIFOTYPE: "fifo"}.get(m.type, repr(m.type))
                link = m.linkname if m.issym() or m.islnk() else ""
                entries[m.name.rstrip("/")] = (
                    f"{kind} mode={m.mode:o} uid={m.uid} gid={m.gid} size={len(data)} "
                    f"sha256={hashlib.sha256(data).hexdigest()[:16]} link={link}"
                )
        p.wait()
        return entries
    finally:
        docker(["rm", "-f", cid], check=False)


def runtime_config(image):
    r = docker(["image", "inspect", "--format", "{{json .Config}}", image])
    cfg = json.loads(r.stdout)
    return {f: cfg.get(f) for f in CONFIG_FIELDS}


def differences(a, b):
    out = []
    for p in sorted(set(a) | set(b)):
        if p not in b:
            out.append(f"only in legacy:    {p} {a[p]}")
        elif p not in a:
            out.append(f"only in converted: {p} {b[p]}")
        elif a[p] != b[p]:
            out.append(f"{p}:\n      legacy    {a[p]}\n      converted {b[p]}")
    return out


def image_exists(tag):
    return docker(["image", "inspect", "--format", "{{.Id}}", tag], check=False).returncode == 0


# ---------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------


class Result:
    def __init__(self, seed, case, idioms):
        self.id = f"{seed}:{case}"
        self.seed, self.case = seed, case
        self.idioms = sorted(idioms)
        self.cls = None
        self.detail = ""
        self.codes = []
        self.setup = ""
        self.seconds = 0.0

    def as_json(self):
        return {"id": self.id, "class": self.cls, "detail": self.detail, "codes": self.codes,
                "idioms": self.idioms, "seconds": round(self.seconds, 1)}


def copy_setup(src, dst):
    shutil.copytree(src, dst, symlinks=True)


def run_legacy(setup_dir, bindir):
    env = dict(os.environ)
    env.update({
        "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "DOCKER_BUILDKIT": "0",
        "PWD": setup_dir,
        "GOPATH": "/root/go",
    })
    env.pop("TAG", None)
    return subprocess.run(["bash", "build.sh"], cwd=setup_dir, env=env, capture_output=True, timeout=900,
                          preexec_fn=lambda: os.umask(0o022))


def run_convert(binary, setup_dir):
    r = subprocess.run([binary, "convert", setup_dir, "--format", "json"], capture_output=True, timeout=300)
    return r


# Intermediate images of the classic builder the cases made: removed at the
# end of the run, not by each case (`rmi` of one case's tag would prune
# cached layers another case's build is about to use).
LAYERS = set()
LAYERS_LOCK = threading.Lock()


def cleanup(gen, extra_tags):
    tags = set(gen.tags) | set(extra_tags)
    names = docker(["ps", "-aq", "--filter", f"name=^mdt-{gen.slug}-"], check=False).stdout.decode().split()
    for t in sorted(tags):
        names += docker(["ps", "-aq", "--filter", f"ancestor={t}"], check=False).stdout.decode().split()
    if names:
        docker(["rm", "-f"] + sorted(set(names)), check=False)
    present = [t for t in sorted(tags) if image_exists(t)]
    for t in present:
        ids = docker(["history", "-q", t], check=False).stdout.decode().split()
        with LAYERS_LOCK:
            LAYERS.update(i for i in ids if i != "<missing>")
    if present:
        docker(["rmi", "--no-prune"] + present, check=False)


def remove_layers():
    keep = set()
    for img in set(BASES + RUNTIME_BASES):
        r = docker(["image", "inspect", "--format", "{{.Id}}", img], check=False)
        keep.add(r.stdout.decode().strip().replace("sha256:", "")[:12])
    # An image another client tagged meanwhile (the same layers, reused from
    # the cache) is theirs now: removing it would break their build.
    def foreign(i):
        r = docker(["image", "inspect", "--format", "{{json .RepoTags}}", i], check=False)
        tags = json.loads(r.stdout.decode() or "null") or [] if r.returncode == 0 else []
        return any(not t.startswith("msmigrate-difftest/") for t in tags)

    ids = sorted(i for i in LAYERS if i[:12] not in keep and not foreign(i))
    for _ in range(8):  # children before parents
        if not ids:
            break
        for k in range(0, len(ids), 100):  # one call per hundred: thousands of layers after a long run
            docker(["rmi"] + ids[k:k + 100], check=False)
        listed = docker(["image", "ls", "-aq", "--no-trunc"], check=False).stdout.decode().split()
        present = {i.replace("sha256:", "") for i in listed}
        left = [i for i in ids if any(p.startswith(i.replace("sha256:", "")) for p in present)]
        if len(left) == len(ids):
            break
        ids = left


def check_case(gen, binary, workroot, keep_dir=None):
    res = Result(gen.seed, gen.case, gen.idioms)
    res.setup = gen.show()
    t0 = time.time()
    root = tempfile.mkdtemp(prefix=f"mdt-{gen.slug}-", dir=workroot)
    pristine = os.path.join(root, "setup")
    gen.write_to(pristine)
    extra_tags = set()
    try:
        # The conversion, of the untouched checkout.
        conv = run_convert(binary, pristine)
        stderr = conv.stderr.decode(errors="replace")
        if conv.returncode not in (0, 1):
            res.cls = "crash"
            res.detail = f"exit {conv.returncode}: {stderr.strip()[-2000:]}"
            return res
        try:
            report = json.loads(conv.stdout)
        except ValueError as e:
            res.cls = "crash"
            res.detail = f"unreadable JSON ({e}): {stderr.strip()[-1000:]}"
            return res
        reports = report if isinstance(report, list) else [report]

        # The legacy flow, as-is.
        legacy = os.path.join(root, "legacy")
        copy_setup(pristine, legacy)
        bindir = os.path.join(root, "bin")
        os.makedirs(bindir)
        os.symlink(DOCKER, os.path.join(bindir, "docker"))
        lr = run_legacy(legacy, bindir)
        transient = re.compile(rb"unable to find image \"sha256|No such image: sha256")
        if lr.returncode != 0 and transient.search(lr.stderr):
            # Another client of the shared engine pruned a cached layer mid-build.
            shutil.rmtree(legacy)
            copy_setup(pristine, legacy)
            lr = run_legacy(legacy, bindir)
        if lr.returncode != 0:
            res.cls = "legacy-failed"
            res.detail = lr.stderr.decode(errors="replace").strip()[-1500:]
            return res

        statuses = [r.get("status") for r in reports]
        diags = [d for r in reports for d in r.get("diagnostics", [])]
        res.codes = sorted({d.get("code", "?") for d in diags if d.get("severity") == "error"})
        unlocated = [d for d in diags if d.get("severity") == "error" and (not d.get("file") or not d.get("line"))]
        if unlocated:
            res.cls = "unlocated-diagnostic"
            res.detail = json.dumps(unlocated, indent=1)
            return res
        if all(s == "nothing_to_convert" for s in statuses):
            res.cls = "nothing-to-convert"
            res.detail = "the setup hands artifacts to the runtime image, but: " + json.dumps(diags)
            return res
        converted = [r for r in reports if r.get("status") == "converted"]
        if not converted:
            st = "partial" if "partial" in statuses else "unsupported"
            res.cls = f"{st}-located"
            res.detail = "; ".join(f"{d.get('code')} {d.get('file')}:{d.get('line')} {d.get('message')}"
                                   for d in diags if d.get("severity") == "error")
            return res

        problems = []
        n = 0
        for r in converted:
            targets = r.get("targets") or []
            if not targets and r.get("target_image"):
                targets = [{"image": r["target_image"], "target": None, "build_args": r.get("build_args", {})}]
            if not r.get("output") or not r.get("dockerfile") or not targets:
                problems.append(("converted-build-fails", "a converted report without output, dockerfile or image"))
                continue
            for t in targets:
                tag = t.get("image")
                if not tag or not image_exists(tag):
                    problems.append(("converted-build-fails",
                                     f"the target image {tag!r} is not an image the legacy script built"))
                    continue
                conv_dir = os.path.join(root, f"converted-{n}")
                copy_setup(pristine, conv_dir)
                with open(os.path.join(conv_dir, r["dockerfile"]), "w") as f:
                    f.write(r["output"])
                ign = r.get("dockerignore")
                buildkit = bool(ign)
                if ign:
                    with open(os.path.join(conv_dir, ign["path"]), "w") as f:
                        f.write(ign["content"])
                ctag = f"msmigrate-difftest/{gen.slug}-converted-{n}:latest"
                extra_tags.add(ctag)
                n += 1
                args = ["build", "-q", "-t", ctag, "-f", os.path.join(conv_dir, r["dockerfile"])]
                if buildkit:
                    args.append("--network=none")
                if t.get("target"):
                    args += ["--target", t["target"]]
                for k, v in sorted((t.get("build_args") or {}).items()):
                    args += ["--build-arg", f"{k}={v}"]
                args.append(os.path.join(conv_dir, r.get("context") or "."))
                b = docker(args, buildkit=buildkit, check=False)
                if b.returncode != 0 and transient.search(b.stderr):
                    b = docker(args, buildkit=buildkit, check=False)  # a cached layer pruned by another client
                if b.returncode != 0:
                    problems.append(("converted-build-fails",
                                     f"{tag}: {b.stderr.decode(errors='replace').strip()[-1500:]}\n--- output\n{r['output']}"))
                    continue
                diffs = differences(filesystem(tag), filesystem(ctag))
                lc, cc = runtime_config(tag), runtime_config(ctag)
                if lc != cc:
                    diffs.append(f"config:\n      legacy    {json.dumps(lc, sort_keys=True)}\n      converted {json.dumps(cc, sort_keys=True)}")
                if diffs:
                    problems.append(("converted-differs", f"{tag}:\n    " + "\n    ".join(diffs)
                                     + f"\n--- output ({r['dockerfile']})\n{r['output']}"))
        if problems:
            res.cls = problems[0][0]
            res.detail = "\n".join(p[1] for p in problems)
        else:
            res.cls = "converted-equal"
        return res
    finally:
        res.seconds = time.time() - t0
        try:
            cleanup(gen, extra_tags)
        except Exception as e:  # the engine went away: reported by the caller's next case
            res.detail += f"\n(cleanup: {e})"
        if keep_dir and res.cls not in OK_CLASSES:
            dst = os.path.join(keep_dir, f"{gen.slug}")
            shutil.rmtree(dst, ignore_errors=True)
            gen.write_to(dst)
            with open(os.path.join(dst, "DIFFTEST-RESULT.txt"), "w") as f:
                f.write(f"case {res.id}: {res.cls}\nidioms: {' '.join(res.idioms)}\n\n{res.detail}\n")
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------------------
# Shrinking: drop lines of the driver and the runtime Dockerfile while the
# legacy script still works and the failure class stays the same.
# ---------------------------------------------------------------------------


class FixedSetup(Gen):
    def __init__(self, base, files):
        self.__dict__.update(base.__dict__)
        self.files = dict(files)


def shrink(gen, res, binary, workroot, budget):
    deadline = time.time() + budget
    best = dict(gen.files)
    tries = 0
    for name in ("build.sh", "Dockerfile", "Dockerfile.build"):
        i = 0
        while name in best and time.time() < deadline:
            text, mode = best[name]
            blocks = split_blocks(text)
            if i >= len(blocks):
                break
            if blocks[i].startswith("#!") or blocks[i].startswith("FROM") or "docker build" in blocks[i] \
                    or "docker image build" in blocks[i]:
                i += 1
                continue
            cand = dict(best)
            cand[name] = ("".join(b for j, b in enumerate(blocks) if j != i), mode)
            tries += 1
            r = check_case(FixedSetup(gen, cand), binary, workroot)
            if r.cls == res.cls:
                best = cand
            else:
                i += 1
    return FixedSetup(gen, best), tries


def split_blocks(text):
    """Lines, keeping heredocs, loops, functions and if blocks whole."""
    blocks, cur, depth, heredoc = [], [], 0, None
    for line in text.splitlines(keepends=True):
        cur.append(line)
        s = line.strip()
        if heredoc:
            if s == heredoc:
                heredoc = None
        else:
            m = re.search(r"<<-?\s*'?(\w+)'?", s)
            if m:
                heredoc = m.group(1)
            if re.match(r"^(for|while|if)\b", s) or s.endswith("{"):
                depth += 1
            if re.match(r"^(done|fi)\b", s) or s == "}":
                depth -= 1
        if depth <= 0 and not heredoc:
            blocks.append("".join(cur))
            cur, depth = [], 0
    if cur:
        blocks.append("".join(cur))
    return blocks


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def load_known(path):
    known = {}
    if path and os.path.exists(path):
        for n, line in enumerate(open(path), 1):
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if not line:
                continue
            cid, _, reason = line.partition(" ")
            known[cid] = reason.strip()
    return known


def preflight(binary):
    problems = []
    if not os.access(binary, os.X_OK):
        problems.append(f"no msmigrate binary at {binary} (cargo build --release, or --bin)")
    try:
        docker(["info", "--format", "{{.ServerVersion}}"], timeout=30)
    except Exception as e:
        problems.append(f"the Docker engine is not reachable through {DOCKER}: {e}")
        return problems
    for img in sorted(set(BASES + RUNTIME_BASES)):
        if not image_exists(img):
            problems.append(f"base image {img} is missing (scripts/e2e-images)")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", default="1")
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--start", type=int, default=0, help="first case number (to continue an interrupted run)")
    ap.add_argument("--case", type=int, help="only this case")
    ap.add_argument("--show", action="store_true", help="print the generated files (no engine needed)")
    ap.add_argument("--dump", metavar="DIR", help="write the generated setups to DIR/<seed>-<case> and stop")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "msmigrate"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep-failures", metavar="DIR", help="save failing setups (replayable with msmigrate convert DIR/...)")
    ap.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    ap.add_argument("--known", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert-difftest.known"),
                    help="known failing cases (seed:case reason), default scripts/convert-difftest.known")
    ap.add_argument("--shrink", type=int, default=0, metavar="SECONDS",
                    help="spend up to SECONDS shrinking each new failure")
    ap.add_argument("--max-legacy-failed", type=float, default=0.05,
                    help="fraction of legacy-failed setups tolerated (a generator bug beyond that fails the run)")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--replay", metavar="DIR", help="check one setup directory (e.g. one --keep-failures saved)")
    args = ap.parse_args()

    cases = [args.case] if args.case is not None else list(range(args.start, args.start + args.count))
    if args.show or args.dump:
        for c in cases:
            g = generate(args.seed, c)
            if args.dump:
                g.write_to(os.path.join(args.dump, g.slug))
            if args.show:
                print(f"===== case {args.seed}:{c}  idioms: {' '.join(sorted(g.idioms))}")
                print(g.show())
        return 0

    binary = os.path.abspath(args.bin)
    problems = preflight(binary)
    if problems:
        for p in problems:
            print(f"convert-difftest: setup problem: {p}", file=sys.stderr)
        return 3
    known = load_known(args.known)
    if args.replay:
        g = load_setup(args.replay)
        workroot = tempfile.mkdtemp(prefix="msmigrate-convert-difftest-")
        try:
            r = check_case(g, binary, workroot)
        finally:
            shutil.rmtree(workroot, ignore_errors=True)
            remove_layers()
        print(f"{args.replay}: {r.cls}\n{r.detail}")
        return 0 if r.cls in OK_CLASSES else 1
    if args.keep_failures:
        os.makedirs(args.keep_failures, exist_ok=True)
    workroot = tempfile.mkdtemp(prefix="msmigrate-convert-difftest-")
    log = sys.stderr
    lock = threading.Lock()
    results = {}
    started = time.time()

    def one(c):
        g = generate(args.seed, c)
        r = check_case(g, binary, workroot, args.keep_failures)
        with lock:
            if not args.quiet:
                mark = "ok " if r.cls in OK_CLASSES else ("KNOWN" if r.id in known and r.cls in FAIL_CLASSES else "!! ")
                print(f"[{len(results) + 1}/{len(cases)}] {r.id} {mark} {r.cls} ({r.seconds:.0f}s)", file=log, flush=True)
            results[c] = (g, r)
        return r

    ex = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        list(ex.map(one, cases))
    except KeyboardInterrupt:
        # Report what finished: the cases not started are dropped.
        print("interrupted: finishing the running cases", file=log)
        ex.shutdown(wait=True, cancel_futures=True)
    finally:
        ex.shutdown(wait=True)
        shutil.rmtree(workroot, ignore_errors=True)
        remove_layers()

    # Classify against the known list.
    counts, idiom_all, idiom_fail, codes = {}, {}, {}, {}
    failures, known_hits, stale, legacy_failed = [], [], [], []
    for c in sorted(results):
        g, r = results[c]
        counts[r.cls] = counts.get(r.cls, 0) + 1
        for i in r.idioms:
            idiom_all[i] = idiom_all.get(i, 0) + 1
        for code in r.codes:
            codes[code] = codes.get(code, 0) + 1
        if r.cls in FAIL_CLASSES:
            for i in r.idioms:
                idiom_fail[i] = idiom_fail.get(i, 0) + 1
            (known_hits if r.id in known else failures).append((g, r))
        elif r.cls == "legacy-failed":
            legacy_failed.append((g, r))
        elif r.id in known:
            stale.append((g, r))

    out = sys.stdout if not args.json else sys.stderr
    print(f"\nconvert-difftest seed={args.seed} cases={len(results)} in {time.time() - started:.0f}s", file=out)
    print(f"{'class':<26}{'count':>7}", file=out)
    for cls in sorted(counts, key=lambda k: (k not in OK_CLASSES, k)):
        print(f"{cls:<26}{counts[cls]:>7}", file=out)
    if codes:
        print("\nerror diagnostic codes (cases):", ", ".join(f"{k} {v}" for k, v in sorted(codes.items())), file=out)
    print(f"\n{'idiom':<34}{'cases':>7}{'failing':>9}", file=out)
    for i in sorted(idiom_all, key=lambda k: (-idiom_fail.get(k, 0), k)):
        print(f"{i:<34}{idiom_all[i]:>7}{idiom_fail.get(i, 0):>9}", file=out)

    for title, group in (("FAILURE", failures), ("LEGACY FAILED (generator bug)", legacy_failed)):
        for g, r in group:
            print(f"\n===== {title} {r.id}: {r.cls}", file=out)
            print(f"idioms: {' '.join(r.idioms)}", file=out)
            print(r.detail, file=out)
            if args.shrink and title == "FAILURE":
                small, tries = shrink(g, r, binary, tempfile.mkdtemp(prefix="msmigrate-shrink-"), args.shrink)
                print(f"--- shrunk setup ({tries} tries)", file=out)
                print(small.show(), file=out)
            else:
                print("--- setup", file=out)
                print(r.setup, file=out)
    for g, r in known_hits:
        print(f"known {r.id}: {r.cls} ({known[r.id]})", file=out)
    for g, r in stale:
        print(f"\n===== STALE KNOWN ENTRY {r.id}: now {r.cls}; remove it from {args.known}", file=out)

    legacy_limit = int(args.max_legacy_failed * len(results))
    failed = bool(failures) or bool(stale) or len(legacy_failed) > legacy_limit
    if args.json:
        json.dump({
            "seed": args.seed, "cases": len(results), "counts": counts, "codes": codes,
            "idioms": {i: {"cases": idiom_all[i], "failing": idiom_fail.get(i, 0)} for i in sorted(idiom_all)},
            "failures": [r.as_json() for _, r in failures],
            "known": [r.as_json() for _, r in known_hits],
            "stale_known": [r.id for _, r in stale],
            "legacy_failed": [r.as_json() for _, r in legacy_failed],
            "ok": not failed,
        }, sys.stdout, indent=1)
        print()
    print(f"\n{len(failures)} new failure(s), {len(known_hits)} known, {len(stale)} stale known entr(y/ies), "
          f"{len(legacy_failed)} legacy-failed (limit {legacy_limit})", file=out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
