#!/bin/bash
# The bind mount shows the container the sources the .dockerignore hides
# from the runtime build: the stage that replaces the mount must see them.
set -e
docker run --rm -v "$PWD":/work -w /work busybox:latest sh -c 'mkdir -p dist && cat src/main.c > dist/app'
docker build -t app .
