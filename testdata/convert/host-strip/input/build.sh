#!/bin/sh
set -e
docker build -t hello-build -f Dockerfile.build .
docker create --name hello-x hello-build
docker cp hello-x:/src/hello ./hello
docker rm hello-x
# Only the debug sections go: the symbol table stays for profiling.
strip --strip-debug hello
docker build -t hello-stripped .
