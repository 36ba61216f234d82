#!/usr/bin/env bash
# Parser benchmark: msmigrate's parser vs BuildKit's (the Python oracle), same corpus.
#
# What it is for
#   Builds benches/parse.rs in release mode and runs it: every
#   testdata/corpus/**/*.Dockerfile is loaded into memory and parsed again and
#   again on one thread for at least 3 s; files/s and MB/s are printed. Then
#   the same corpus goes through BuildKit v0.12.5's Go parser via the
#   `dockerfile` PyPI package (parse_string, in-process, also >= 3 s), which
#   includes the cgo call and building Python objects.
#
# How to run
#   scripts/bench.sh                   # both
#   scripts/bench.sh --ours-only       # only our parser
#   scripts/bench.sh --oracle-only     # only the oracle
#   MSMIGRATE_BENCH_SECONDS=10 MSMIGRATE_BENCH_CORPUS=dir scripts/bench.sh
#   CARGO_TARGET_DIR=/somewhere scripts/bench.sh
#
# If Cargo.toml has no `[[bench]] name = "parse" harness = false` entry the
# bench is compiled directly with rustc against the release rlib instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CORPUS=${MSMIGRATE_BENCH_CORPUS:-$ROOT/testdata/corpus}
SECS=${MSMIGRATE_BENCH_SECONDS:-3}
export MSMIGRATE_BENCH_CORPUS=$CORPUS MSMIGRATE_BENCH_SECONDS=$SECS
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mode=${1:-both}

echo "machine: $(nproc) cores, $(uname -sm); rustc $(rustc --version | cut -d' ' -f2); $(python3 --version)"

if [ "$mode" != "--oracle-only" ]; then
  echo "== ours: msmigrate::dockerfile::parse (release, 1 thread)"
  if grep -Eq '^\s*name\s*=\s*"parse"' Cargo.toml && grep -q '\[\[bench\]\]' Cargo.toml; then
    cargo bench --quiet --bench parse
  else
    echo "(no [[bench]] entry in Cargo.toml: compiling benches/parse.rs with rustc)"
    cargo build --quiet --release --lib
    deps="$TARGET/release/deps"
    rlib=$(ls -t "$deps"/libmsmigrate-*.rlib 2>/dev/null | head -1)
    [ -n "$rlib" ] || rlib="$TARGET/release/libmsmigrate.rlib"
    out="$TARGET/release/bench-parse"
    CARGO_MANIFEST_DIR=$ROOT rustc --edition 2024 -C opt-level=3 -C codegen-units=1 \
      --crate-name parse benches/parse.rs -o "$out" \
      --extern msmigrate="$rlib" -L dependency="$deps"
    "$out"
  fi
fi

if [ "$mode" != "--ours-only" ]; then
  echo "== oracle: BuildKit v0.12.5 parser via the dockerfile PyPI package (parse_string, 1 thread)"
  python3 - "$CORPUS" "$SECS" <<'PY'
import sys, time
from pathlib import Path
import dockerfile
root, secs = Path(sys.argv[1]), float(sys.argv[2])
texts = []
for p in sorted(root.rglob("*.Dockerfile")):
    t = p.read_bytes().decode("utf-8", errors="replace")
    if "\x00" not in t:
        texts.append(t)
size = sum(len(t.encode()) for t in texts)
def one_pass():
    for t in texts:
        try:
            dockerfile.parse_string(t)
        except dockerfile.GoParseError:
            pass
one_pass()
passes, best = 0, float("inf")
start = time.perf_counter()
while time.perf_counter() - start < secs:
    t0 = time.perf_counter(); one_pass(); best = min(best, time.perf_counter() - t0); passes += 1
el = time.perf_counter() - start
print(f"corpus: {len(texts)} files, {size/1e3:.1f} KB, from {root}")
print(f"passes: {passes} in {el:.2f} s")
print(f"mean: {len(texts)*passes/el:.0f} files/s, {size*passes/1e6/el:.2f} MB/s")
print(f"best pass: {best*1e3:.3f} ms ({len(texts)/best:.0f} files/s, {size/1e6/best:.2f} MB/s)")
PY
fi
