#!/bin/bash
# The runtime copies, with --chown, a directory the script only made: the
# destination directory itself must get the owner.
set -e
docker build -t web-build -f Dockerfile.build .
docker create --name web-x web-build
mkdir -p artifacts
docker cp web-x:/app/site artifacts
docker rm web-x
docker build -t web .
