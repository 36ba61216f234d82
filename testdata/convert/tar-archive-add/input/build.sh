#!/bin/bash
set -e
docker build -t tb -f Dockerfile.build .
docker run --rm tb tar czf - -C /app build > dist.tgz
docker build -t tr .
