#!/bin/sh
set -e
docker build -t listing-builder builder/
docker create --name listing listing-builder
docker cp listing:/out/listing runtime/listing
docker rm listing
docker build -t listing-app runtime/
