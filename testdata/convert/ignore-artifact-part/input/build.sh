#!/bin/sh
set -e
docker build -t site-build -f Dockerfile.build .
docker create --name site site-build
docker cp site:/app/dist ./dist
docker rm site
docker build -t site .
