#!/bin/bash
set -e
docker build -t cfg-build -f Dockerfile.build .
docker create --name cfg cfg-build
docker cp cfg:/app conf
docker rm cfg
sed -i -e 's/port=80/port=8080/' -e '/host/d' conf/app.ini
chmod u+x,go-r conf/run.sh
docker build -t cfg .
