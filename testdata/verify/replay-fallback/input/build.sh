#!/bin/bash
# `--squash` is an experimental flag msmigrate's docker shim does not model:
# verify must fall back to replaying the reconstructed flow.
set -e
docker build --squash -t seed-builder -f Dockerfile.build .
docker create --name seed-builder seed-builder
docker cp seed-builder:/app/HelloWorld.jar ./HelloWorld.jar
docker rm seed-builder
docker build -t seed-app -f Dockerfile .
