#!/bin/sh
docker build -t pub-build -f Dockerfile.build .
docker create --name pub pub-build
mkdir -p public
docker cp pub:/app/public/. public/
docker rm pub
docker build -t pub .
