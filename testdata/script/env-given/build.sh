#!/bin/bash
docker build -t "$REGISTRY/app:${TAG:-dev}" --build-arg "HOME_DIR=$HOME" .
cd ~/src
pwd
