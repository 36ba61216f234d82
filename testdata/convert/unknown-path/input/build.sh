#!/bin/sh
VERSION=$1
docker build -t art-build -f Dockerfile.build .
docker create --name art art-build
docker cp "art:/out/artifact-$VERSION" ./artifact
docker rm art
docker build -t art .
