#!/bin/bash
IMAGE_BUILD=myorg/service-build
IMAGE=myorg/service
CONTAINER=service-build-$(date +%s)

docker build -t $IMAGE_BUILD -f Dockerfile.build .
docker run --name $CONTAINER $IMAGE_BUILD
docker cp $CONTAINER:/go/bin/service ./service
docker rm $CONTAINER
docker build -t $IMAGE .
rm ./service
