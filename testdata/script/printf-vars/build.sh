#!/bin/bash
VERSION=1.0
printf -v TAG '%s-%s' "$VERSION" build7
IMAGE=$(printf '%s/%s' registry.io app)
docker build -t "$IMAGE:$TAG" .
printf 'built %s\n' "$IMAGE" >&2
