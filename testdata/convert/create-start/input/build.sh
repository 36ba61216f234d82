#!/bin/bash
docker build -t prog-build -f Dockerfile.build .
docker create --name prog-b prog-build
docker start -a prog-b
docker cp prog-b:/work/prog ./prog
docker rm prog-b
docker build -t prog .
