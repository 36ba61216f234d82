#!/bin/sh
set -e
docker build -t files-build -f Dockerfile.build .
docker create --name files files-build
docker cp files:/out/files runtime/files
docker rm files
docker build -t files-app runtime/
