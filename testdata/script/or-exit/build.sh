#!/bin/bash
docker build -t builder -f Dockerfile.build . || exit 1
docker run --rm builder make test || { echo "tests failed" >&2; exit 1; }
cd build || exit
docker build -t app .
