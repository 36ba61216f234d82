#!/bin/bash
TAG=${1:-latest}
echo "$# args: $*"
docker build -t "app:$TAG" .
for a in "$@"; do echo "arg: $a"; done
shift
echo "after shift: ${1-none} $#"
