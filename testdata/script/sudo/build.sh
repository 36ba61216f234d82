#!/bin/sh
sudo docker build -t app .
sudo -E docker run --rm app
env DOCKER_BUILDKIT=1 docker build -t app2 .
DOCKER_BUILDKIT=1 docker build -t app3 .
