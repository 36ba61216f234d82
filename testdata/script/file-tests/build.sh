#!/bin/bash
if [ -f Dockerfile.build ]; then
  docker build -t builder -f Dockerfile.build .
fi
if [ ! -f Dockerfile.missing ]; then echo "no missing"; fi
[ -d src ] && echo "has src"
[ -e nope ] || echo "nope absent"
if [[ -n "$CI" && "$BRANCH" == release/* ]]; then echo release; fi
if [[ "v1.2" == v* ]]; then echo "v prefix"; fi
if [ "$UNSET_THING" = "yes" ]; then echo maybe; else echo "maybe not"; fi
if [ -z "${TAG:-}" ]; then TAG=latest; fi
docker build -t "app:$TAG" .
test -s Dockerfile.build && echo nonempty
mkdir -p gen
[ -d gen ] && echo "gen exists? unknown"
