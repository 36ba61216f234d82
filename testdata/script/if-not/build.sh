#!/bin/bash
if ! docker build -t builder -f Dockerfile.build .; then
  echo "builder image failed" >&2
  exit 2
fi
if docker build -t app .; then
  echo built
else
  echo "app image failed"
  exit 3
fi
docker push app
