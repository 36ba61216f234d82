#!/bin/sh
docker build -t hello-builder -f Dockerfile.build .
docker create --name hello-builder hello-builder
docker cp hello-builder:/home/app/hello .
docker rm hello-builder
docker build -t hello .
