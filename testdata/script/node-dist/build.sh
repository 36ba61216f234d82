#!/bin/sh
set -e
docker run --rm -v "$(pwd)":/app -w /app node:18-alpine sh -c "npm ci && npm run build"
test -d dist || { echo "no dist"; exit 1; }
docker build -t frontend:latest -f Dockerfile .
