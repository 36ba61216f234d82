#!/bin/bash
{
  docker build -t app .
  docker push app
} > build.log 2>&1
for f in a b; do echo "$f"; done >> list.txt
docker build -t app2 . 2>&1 | tee build2.log
docker build -t app3 . && docker run --rm app3 cat /out > out.txt
docker run --rm app3 tar -c /out | tar -x -C dist 2> tar.log
