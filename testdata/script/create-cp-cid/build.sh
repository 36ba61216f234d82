#!/bin/bash
set -e
docker build -t myapp-build -f Dockerfile.build .
cid=$(docker create myapp-build)
mkdir -p out
docker cp $cid:/app/target/app.jar ./out/
docker rm "$cid"
docker build -t myapp:latest .
