#!/bin/bash
set -euo pipefail
docker build -t jar-build -f Dockerfile.build .
mkdir -p target
cid=$(docker create jar-build)
docker cp "$cid:/src/target/app-1.0.jar" target/
docker rm "$cid"
docker build -t jar-app .
