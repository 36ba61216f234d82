#!/bin/sh
sudo docker image build . --file Dockerfile.build --tag cli:build
sudo docker container create --name cli-x cli:build
sudo docker container cp cli-x:src/cli cli
sudo docker container rm cli-x
sudo docker image build --tag cli:latest .
