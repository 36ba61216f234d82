#!/bin/sh
docker build -t rel-build -f Dockerfile.build .
docker create --name rel rel-build
docker cp rel:/build/out ./out-tmp
docker rm rel
mv out-tmp release
docker build -t rel .
