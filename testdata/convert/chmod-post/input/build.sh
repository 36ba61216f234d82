#!/bin/sh
docker build -t tool:build -f Dockerfile.build .
docker create --name tool-build tool:build
docker cp tool-build:/out/tool.sh .
docker rm tool-build
chmod +x tool.sh
docker build -t tool:latest .
