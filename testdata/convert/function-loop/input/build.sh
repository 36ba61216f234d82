#!/usr/bin/env bash
set -euo pipefail
readonly BUILDER_TAG="svc:builder"
ARTIFACTS=(svc config.yml)

build_image() {
    local tag=$1
    local file=${2:-Dockerfile}
    docker build -t "$tag" -f "$file" .
}

extract() {
    local cid
    cid=$(docker create "$BUILDER_TAG")
    for f in "${ARTIFACTS[@]}"; do
        docker cp "$cid:/out/$f" "./$f"
    done
    docker rm "$cid" >/dev/null
}

build_image "$BUILDER_TAG" Dockerfile.build
extract
build_image svc:latest
