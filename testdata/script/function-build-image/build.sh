#!/usr/bin/env bash
build_image() {
  docker build -t "$1" -f "$2" .
}

build_image myorg/builder Dockerfile.build
build_image myorg/app Dockerfile
