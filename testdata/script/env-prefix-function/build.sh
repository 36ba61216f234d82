#!/bin/bash
build() { echo "DOCKER_BUILDKIT=$DOCKER_BUILDKIT"; docker build -t "$1" .; }
DOCKER_BUILDKIT=1 build app
echo "after: ${DOCKER_BUILDKIT:-unset}"
DOCKER_HOST=tcp://remote:2375 docker build -t remote .
