#!/bin/bash
ENV=$1
if [ "$ENV" = "dev" ]; then
  TAG=dev
elif [ "$ENV" = "prod" ]; then
  TAG=stable
else
  echo "unknown env"; exit 1
fi
docker build -t "app:$TAG" .
if [ "$#" -lt 1 ]; then echo usage; fi
[[ $ENV == p* ]] && echo "starts with p"
