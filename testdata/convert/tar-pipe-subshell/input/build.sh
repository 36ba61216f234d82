#!/bin/bash
# The stream is unpacked by a subshell that changes directory first.
set -e
docker build -t site-build -f Dockerfile.build .
mkdir -p public
docker run --rm site-build tar -c -f - -C /out . | (cd public && tar -xf -)
docker build -t site .
