#!/bin/sh
set -e
docker build -t server-build -f Dockerfile.build .
docker create --name server-extract server-build
docker cp server-extract:/build/bin/server-linux-amd64 ./server
docker rm server-extract
docker build -t server .
