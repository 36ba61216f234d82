#!/bin/bash
has_image() {
  docker image inspect "$1" >/dev/null 2>&1
}
build_if_missing() {
  if ! has_image "$1"; then
    docker build -t "$1" .
  fi
}
fail() { return 3; }
build_if_missing app
if fail; then echo "not reached"; else echo "failed with $?"; fi
