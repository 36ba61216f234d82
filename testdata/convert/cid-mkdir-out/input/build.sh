#!/bin/bash
set -euo pipefail
cd "$(dirname "$0")"

IMAGE=${IMAGE:-myorg/api}

docker build -t "$IMAGE:builder" -f docker/Dockerfile.build .
mkdir -p out
cid=$(docker create "$IMAGE:builder")
trap 'docker rm -f "$cid" >/dev/null' EXIT
docker cp "$cid:/src/target/api.jar" out/
docker build -t "$IMAGE:latest" -f docker/Dockerfile .
