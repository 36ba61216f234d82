#!/bin/sh
# The war's name carries a version: the runtime picks it with a glob.
docker build -f Dockerfile.build -t platform/build .
docker create --name builder platform/build
docker cp builder:/app/target .
docker rm builder
docker build -f Dockerfile.run -t webapp .
