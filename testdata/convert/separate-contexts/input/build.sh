#!/bin/sh
set -e
docker build -t app-builder builder/
docker create --name app-extract app-builder
docker cp app-extract:/go/bin/app runtime/app
docker rm app-extract
docker build -t app runtime/
