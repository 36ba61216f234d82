#!/bin/bash
SERVICES="api worker"
for svc in $SERVICES web; do
  echo "==> $svc"
  docker build -t "myorg/$svc:latest" "./services/$svc"
done
for svc in "$SERVICES"; do
  echo "quoted: $svc"
done
