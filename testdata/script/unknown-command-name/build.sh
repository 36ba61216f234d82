#!/bin/bash
DOCKER=${DOCKER:-docker}
$DOCKER build -t app .
SUDO=(sudo -n)
"${SUDO[@]}" docker push app
$CONTAINER_TOOL build -t other .
