#!/bin/sh
set -e
docker build -t tools-build -f Dockerfile.build .
docker create --name tools tools-build
mkdir -p bin
docker cp tools:/out/tool bin/tool
docker cp tools:/out/tool.conf bin/
docker rm tools
chmod 755 bin/tool
docker build -t tools .
