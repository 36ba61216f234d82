#!/bin/sh
docker build -f Dockerfile.build -t x1 .
docker create --name x1c x1
docker cp x1c:/dist/data.bin .
docker rm x1c
docker build -t data-image .
