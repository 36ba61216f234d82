#!/bin/bash
IMAGE=${IMAGE:-myorg/app}
TAG=${1:-latest}
REGISTRY="${REGISTRY}"
docker build -t "$IMAGE:$TAG" .
docker tag "$IMAGE:$TAG" "$REGISTRY/$IMAGE:$TAG"
docker push "${REGISTRY:+$REGISTRY/}$IMAGE:$TAG"
