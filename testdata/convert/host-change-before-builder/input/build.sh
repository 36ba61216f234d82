#!/bin/bash
set -e
git describe --tags > VERSION
docker build -t vb -f Dockerfile.build .
docker create --name v vb
docker cp v:/out.txt .
docker rm v
docker build -t vr .
