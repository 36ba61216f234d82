#!/bin/bash
# An append the model cannot follow, inside a copied-out directory that is
# then renamed: the renamed path is still not known.
set -e
docker build -t app-build -f Dockerfile.build .
docker create --name app-x app-build
docker cp app-x:/out artifacts
docker rm app-x
echo 'extra line' >> artifacts/app.conf
mv artifacts release
docker build -t app .
