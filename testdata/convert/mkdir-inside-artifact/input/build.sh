#!/bin/bash
# Directories made on the host inside a copied-out directory reach the
# image: they are made where the artifact is.
set -e
docker build -t svc-build -f Dockerfile.build .
docker create --name svc-x svc-build
mkdir -p out
docker cp svc-x:/dist/. out
docker rm svc-x
mkdir -p out/var/run/tmp
docker build -t svc .
