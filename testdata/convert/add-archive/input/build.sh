#!/bin/sh
docker build -t rel-build -f Dockerfile.build .
docker create --name relx rel-build
docker cp relx:/release.tar.gz .
docker rm relx
docker build -t rel .
