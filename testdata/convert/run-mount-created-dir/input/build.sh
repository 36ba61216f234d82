#!/bin/bash
set -e
docker build -t app-build -f Dockerfile.build .
mkdir -p bin
docker run --rm -v "$(pwd)/bin:/out" app-build cp /app/app /out/
docker build -t app .
