#!/bin/bash
docker build -t web-build -f Dockerfile.build . || exit 1
id=$(docker create web-build)
docker cp "$id:/app/dist" ./dist
docker rm "$id"
docker build -t web .
