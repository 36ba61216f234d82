#!/bin/bash
export IMAGE=myorg/app DOCKER_BUILDKIT=1
readonly TAG=1.0
TAG=2.0
unset IMAGE
echo "${IMAGE-gone}" "$TAG"
export $(cat build.env | xargs)
export "REG=example.com"
echo "$REG"
declare -r CONST=x
declare -x EXPORTED=y
typeset LOWER=z
echo "$CONST $EXPORTED $LOWER"
