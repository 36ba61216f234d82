#!/bin/bash
VERSION=$(git describe --tags --always | sed 's/^v//')
BUILD_DATE=`date -u +%Y-%m-%dT%H:%M:%SZ`
TAG="$(date +%Y%m%d)-$(git rev-parse --short HEAD)"
docker build --build-arg VERSION="$VERSION" --build-arg BUILD_DATE=$BUILD_DATE -t "app:$TAG" .
echo "${VERSION:-unknown}"
