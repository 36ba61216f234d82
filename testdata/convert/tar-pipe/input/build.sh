#!/bin/bash
set -e
docker build -t pkg-build -f Dockerfile.build .
mkdir -p dist
docker run --rm pkg-build tar -c -C /out . | tar -x -C dist
docker build -t pkg .
