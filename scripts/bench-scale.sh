#!/usr/bin/env bash
# How lint's reporters and layer extraction scale with hostile sizes
# (BENCHMARKS.md, "Scaling with input size"): a Dockerfile of N lines with
# two findings each, linted in every format, and a layer tar whose
# directories nest D deep, extracted by a build. Usage:
#   scripts/bench-scale.sh [target/release/msmigrate]
set -euo pipefail
bin=${1:-target/release/msmigrate}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Wall seconds of a command (lint exits 1 when it finds something).
seconds() {
    /usr/bin/time -f %e "$@" >/dev/null 2>"$work/time" || true
    tail -1 "$work/time"
}

echo "| lines (findings) | text | json | sarif | rdjson | github | codeclimate |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in 10000 20000 100000; do
    python3 -c "
print('FROM busybox')
for i in range($n): print(f'RUN echo {i} && apt-get install -y gcc')" > "$work/Dockerfile"
    row="| $n ($((2 * n)))"
    for format in text json sarif rdjson github codeclimate; do
        row="$row | $(seconds "$bin" lint --format "$format" "$work/Dockerfile") s"
    done
    echo "$row |"
done

if [ "$(id -u)" != 0 ]; then
    echo "(layer extraction: needs root, skipped)"
    exit 0
fi
echo
echo "| layer depth | build (extraction included) |"
echo "|---:|---:|"
for depth in 500 1000 1800; do
    python3 - "$work/deep.tar" "$depth" <<'PY'
import io, sys, tarfile
out, depth = sys.argv[1], int(sys.argv[2])
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=None, kind=tarfile.REGTYPE, link=""):
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.linkname = kind, 0o755, link
        if data is None:
            t.addfile(info)
        else:
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    add("bin", kind=tarfile.DIRTYPE)
    add("bin/busybox", open("/bin/busybox", "rb").read())
    add("bin/true", kind=tarfile.SYMTYPE, link="busybox")
    path = ""
    for _ in range(depth):
        path += "d/"
        add(path.rstrip("/"), kind=tarfile.DIRTYPE)
    add(path + "leaf", b"x")
PY
    store="$work/store-$depth"
    "$bin" image --store "$store" import "$work/deep.tar" deep:1 >/dev/null
    mkdir -p "$work/ctx"
    printf 'FROM deep:1\nRUN true\n' > "$work/ctx/Dockerfile"
    echo "| $depth | $(MSMIGRATE_OFFLINE=1 seconds "$bin" build -q --store "$store" "$work/ctx") s |"
done
