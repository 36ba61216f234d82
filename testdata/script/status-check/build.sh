#!/bin/bash
docker build -t builder -f Dockerfile.build .
if [ $? -ne 0 ]; then
  echo "build failed"
  exit 1
fi
docker run --rm builder true
rc=$?
if [ "$rc" != "0" ]; then echo "run failed: $rc"; exit $rc; fi
if [ $? -eq 0 ]; then echo ok; else echo "not ok"; fi
docker build -t app .
