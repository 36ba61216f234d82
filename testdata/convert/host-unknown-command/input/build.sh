#!/bin/bash
set -e
docker build -t tb -f Dockerfile.build .
docker create --name tbc tb
docker cp tbc:/app/build/a.txt .
docker rm tbc
sed -i 's/hi/ho/' a.txt
frobnicate a.txt
docker build -t tr .
