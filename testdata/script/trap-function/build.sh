#!/bin/bash
set -euo pipefail
cleanup() {
  docker rm -f "$CID" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
TMP=$(mktemp -d)
CID=$(docker create app-build)
docker cp "$CID:/app/bin" "$TMP/"
docker build -t app -f Dockerfile "$TMP"
