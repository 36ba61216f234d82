#!/bin/sh
set -e
docker build -t app-toolchain -f Dockerfile.build .
mkdir -p bin
docker run --rm -v "$(pwd)":/src app-toolchain
docker build -t app .
