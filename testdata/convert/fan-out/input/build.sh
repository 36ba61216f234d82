#!/bin/bash
set -euo pipefail
docker build -t svc-builder -f Dockerfile.build .
cid=$(docker create svc-builder)
for bin in api worker; do
    docker cp "$cid:/out/$bin" "./$bin"
done
docker rm "$cid"
docker build -t svc-api -f Dockerfile.api .
docker build -t svc-worker -f Dockerfile.worker .
