#!/bin/bash
set -euo pipefail
docker build -t jdk-build -f Dockerfile.build .
cid=$(docker create jdk-build)
docker cp "$cid:/src/app.jar" app.jar
docker rm "$cid"
docker build -t jdk-app .
