#!/bin/bash
# The builder gives a file to uid 1000; docker cp and the runtime COPY make
# it root's, which COPY --from alone would not.
set -e
docker build -t svc-build -f Dockerfile.build .
docker create --name svc-x svc-build
mkdir -p out
docker cp svc-x:/out/svc.conf out/
docker rm svc-x
docker build -t svc .
