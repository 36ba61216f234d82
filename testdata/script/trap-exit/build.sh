#!/bin/bash
set -e
cid=$(docker create builder)
trap 'docker rm -f $cid' EXIT
docker cp "$cid:/out/app" ./app
docker build -t app .
