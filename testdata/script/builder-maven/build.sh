#!/usr/bin/env bash
set -e

APP_NAME=${APP_NAME:-spring-app}
BUILDER_IMAGE="${APP_NAME}-builder"
CONTAINER_NAME="${APP_NAME}-extract-$$"

echo "Building the builder image..."
docker build -t "${BUILDER_IMAGE}" -f Dockerfile.build .

echo "Extracting the jar..."
docker create --name "${CONTAINER_NAME}" "${BUILDER_IMAGE}"
mkdir -p target
docker cp "${CONTAINER_NAME}":/usr/src/app/target/app.jar ./target/app.jar
docker rm -f "${CONTAINER_NAME}"

echo "Building the runtime image..."
docker build -t "${APP_NAME}:${1:-latest}" .
rm -rf target
