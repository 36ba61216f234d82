#!/bin/bash
# An append of unknown content, inside a copied-out directory that is
# then renamed: the renamed path is still not known.
set -e
docker build -t app-build -f Dockerfile.build .
docker create --name app-x app-build
docker cp app-x:/out artifacts
docker rm app-x
date >> artifacts/app.conf
mv artifacts release
docker build -t app .
