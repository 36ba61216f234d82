#!/bin/sh
docker run --rm -v "$PWD":/src -w /src golang:1.22 go build -o app
docker run --rm -v "$(pwd)":/usr/src/app -w /usr/src/app maven:3-jdk-8 mvn package
docker build -t app .
