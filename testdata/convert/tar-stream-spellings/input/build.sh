#!/bin/bash
set -e
docker build -t tb -f Dockerfile.build .
mkdir -p dist out
docker run --rm tb tar -C /app/build -cf - . | tar -C ./dist -xf -
docker run --rm tb tar czf - -C /app build | tar --extract --gzip --file=- --directory=out
docker build -t tr .
