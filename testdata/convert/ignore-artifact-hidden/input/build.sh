#!/bin/sh
set -e
docker build -t tool-build -f Dockerfile.build .
id=$(docker create tool-build)
mkdir -p bin
docker cp "$id:/out/app" bin/app
docker cp "$id:/out/app.debug" bin/app.debug
docker rm "$id"
docker build -t tool .
