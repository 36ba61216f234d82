#!/bin/bash
NAME=global
build() {
  local NAME="$1"
  local tag=${2:-latest}
  docker build -t "$NAME:$tag" .
  return 0
  echo unreachable
}
check() {
  [ -f Dockerfile ] || return 1
  echo "has Dockerfile"
}
build api
build web v2
echo "$NAME ${tag-unset}"
check && echo checked
recurse() { recurse; }
recurse
echo after
