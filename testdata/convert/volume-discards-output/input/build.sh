#!/bin/sh
docker build -f Dockerfile.build -t vol/build .
docker run --name=builder vol/build
docker cp builder:/app/target .
docker rm builder
docker build -f Dockerfile.run -t vol-app .
