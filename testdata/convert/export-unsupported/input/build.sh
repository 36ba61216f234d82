#!/bin/sh
docker build -t rootfs-build -f Dockerfile.build .
docker create --name rfs rootfs-build
docker export rfs > rootfs.tar
docker rm rfs
docker build -t rootfs .
