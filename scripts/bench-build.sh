#!/usr/bin/env bash
# Build speed of the embedded builder, side by side with BuildKit (Docker
# 20.10's, `DOCKER_BUILDKIT=1 docker build --network=none`), on the
# Dockerfiles of testdata/builder/cases, base images already local in both
# (scripts/e2e-images for Docker, `docker save | msmigrate image load` for
# msmigrate). Needs root and a running dockerd.
#
# - no cache: both with --no-cache, best of $RUNS (default 3) per case;
# - fully cached rebuild: msmigrate again on the same inputs, best of $RUNS.
#
#   scripts/bench-build.sh [CASE...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
docker=${DOCKER:-/usr/bin/docker}
cargo build --release --quiet
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$(pwd)/$target_dir" ;; esac
bin="$target_dir/release/msmigrate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
store="$work/store"
"$docker" save busybox:latest -o "$work/base.tar"
"$bin" image load --store "$store" -i "$work/base.tar" >/dev/null

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    cases=(run-links run-modes-owners copy-whole-context many-files copy-from-stage env-arg-scoping metadata-all multistage-target-unused)
fi

best() { # best wall time in seconds of "$2...", $1 times
    python3 - "$@" <<'PY'
import subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    times.append(time.perf_counter() - t)
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode()); sys.exit(1)
print(f"{min(times):.3f}")
PY
}

printf '| case | BuildKit --no-cache | msmigrate --no-cache | ratio | msmigrate cached |\n|---|---|---|---|---|\n'
total_bk=0; total_ms=0
for c in "${cases[@]}"; do
    ctx="$work/$c"
    cp -r "testdata/builder/cases/$c" "$ctx"
    if [ -d "$ctx/many" ]; then
        for i in $(seq 0 3999); do echo "$i" > "$ctx/many/file$i"; done
    fi
    args=()
    if [ -f "$ctx/options" ]; then
        while IFS= read -r line; do
            case "$line" in
                target=*) args+=(--target "${line#target=}") ;;
                arg=*) args+=(--build-arg "${line#arg=}") ;;
            esac
        done < "$ctx/options"
    fi
    bk="$(DOCKER_BUILDKIT=1 best "$runs" "$docker" build --no-cache --network=none -q "${args[@]}" "$ctx")"
    ms="$(best "$runs" "$bin" build --no-cache -q --store "$store" "${args[@]}" "$ctx")"
    cached="$(best "$runs" "$bin" build -q --store "$store" "${args[@]}" "$ctx")"
    ratio="$(python3 -c "print(f'{$ms / $bk:.2f}')")"
    total_bk="$(python3 -c "print($total_bk + $bk)")"
    total_ms="$(python3 -c "print($total_ms + $ms)")"
    printf '| %s | %s s | %s s | %s | %s s |\n' "$c" "$bk" "$ms" "$ratio" "$cached"
done
python3 -c "print(f'| total | {$total_bk:.3f} s | {$total_ms:.3f} s | {$total_ms / $total_bk:.2f} | |')"
