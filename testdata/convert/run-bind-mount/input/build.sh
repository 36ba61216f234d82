#!/bin/sh
set -e
docker run --rm -v "$PWD":/src -w /src golang:1.22 go build -o app
docker build -t hello:latest .
