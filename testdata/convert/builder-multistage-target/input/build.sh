#!/bin/sh
set -e
docker build --target compile -t tool-compile -f Dockerfile.build .
docker create --name tool-c tool-compile
mkdir -p bin
docker cp tool-c:/src/bin/tool bin/tool
docker rm tool-c
docker build -t tool .
