#!/bin/bash
# A flag set only in a branch that may not run stays unknown.
if [ "$1" = "--push" ]; then PUSH=1; fi
# A default for an input not given, tested by the condition, is taken.
if [ -z "$TAG" ]; then TAG=latest; fi
[ -n "$REGISTRY" ] || REGISTRY=docker.io
case "$2" in
  release) CHANNEL=stable ;;
esac
MODE=fast
if [ "$CI" = true ]; then MODE=slow; fi
docker build -t "$REGISTRY/app:$TAG" --build-arg "MODE=$MODE" --build-arg "CHANNEL=${CHANNEL:-dev}" .
if [ -n "$PUSH" ]; then docker push "$REGISTRY/app:$TAG"; fi
if [ -d "$OUT" ]; then cd "$OUT"; fi
pwd
