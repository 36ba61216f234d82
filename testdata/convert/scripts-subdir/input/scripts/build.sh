#!/usr/bin/env bash
set -euo pipefail
# Always run from the repository root.
cd "$(dirname "$0")/.."

TAG=${TAG:-dev}
docker build -t "server-build:$TAG" -f docker/Dockerfile.build .
rm -rf dist && mkdir dist
container=$(docker create "server-build:$TAG")
docker cp "$container:/dist/server" dist/server
docker rm -v "$container"
docker build -t "server:$TAG" .
