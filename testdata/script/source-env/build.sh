#!/bin/bash
. ./env.sh
source lib/missing.sh
docker build -t "$IMAGE:$VERSION" .
