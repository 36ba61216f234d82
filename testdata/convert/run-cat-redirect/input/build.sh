#!/bin/sh
docker build -t app-build -f Dockerfile.build .
docker run --rm app-build cat /out/app > app
docker build -t app .
