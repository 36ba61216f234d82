#!/bin/sh
docker build -t site-build -f Dockerfile.build .
docker create --name site site-build
docker cp site:/app/build dist
docker rm site
docker build -t site .
