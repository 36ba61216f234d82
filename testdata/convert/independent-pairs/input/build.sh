#!/bin/sh
# Two unrelated builder-pattern pairs driven by one script: each gets its
# own Dockerfile.
set -e
docker build -t server-build -f Dockerfile.server-build .
docker create --name server-extract server-build
docker cp server-extract:/out/server ./server
docker rm server-extract
docker build -t server -f Dockerfile.server .

docker build -t web-build -f Dockerfile.web-build .
docker create --name web-extract web-build
docker cp web-extract:/dist ./dist
docker rm web-extract
docker build -t web -f Dockerfile.web .
