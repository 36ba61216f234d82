#!/bin/sh
set -e
docker build -t tool-build -f Dockerfile.build .
docker create --name tool-extract tool-build
docker cp tool-extract:/out/tool ./tool
docker rm tool-extract
docker build -t tool:1 .
# A smoke test of the new image does not make it a builder.
docker run --rm tool:1
