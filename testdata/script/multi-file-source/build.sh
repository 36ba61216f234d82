#!/bin/bash
source ./config/common.sh
docker build -t "$REGISTRY/$IMAGE:$VERSION" .
print_info
