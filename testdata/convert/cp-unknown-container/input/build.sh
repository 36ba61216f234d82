#!/bin/sh
docker build -t example-build -f Dockerfile.build .
docker run example-build sleep 10 &
sleep 1
# The container is found by grepping `docker ps`.
docker cp `docker ps | grep example-build | cut -f1 -d' '`:/go/bin/example ./out/
docker build -t example out
