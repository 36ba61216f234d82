#!/bin/bash
BUILD_ARGS=(--build-arg "VERSION=1.0" --build-arg "NAME=two words")
BUILD_ARGS+=(--build-arg "EXTRA=x")
echo "${#BUILD_ARGS[@]} args, first ${BUILD_ARGS[0]}, last ${BUILD_ARGS[-1]}"
docker build "${BUILD_ARGS[@]}" -t app .
docker build ${BUILD_ARGS[@]} -t app-split .
docker build "${BUILD_ARGS[*]}" -t app-star .
