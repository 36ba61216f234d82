#!/bin/sh
# One runtime Dockerfile, built once per flavor.
set -e
docker build -t flavors-build -f Dockerfile.build .
docker create --name flavors flavors-build
docker cp flavors:/out ./out
docker rm flavors
for flavor in a b; do
    docker build --build-arg FLAVOR=$flavor -t app:$flavor .
done
