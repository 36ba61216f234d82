#!/bin/sh
docker build -t builder -f Dockerfile.build .
docker run --rm builder cat /app/x > out
docker run --rm builder cat /app/y >> out 2>/dev/null
docker run --rm builder sh -c 'cat /app/z' &> all.log
