#!/bin/bash
while read -r name dir; do
  docker build -t "$name" "$dir"
done < services.txt
until docker info >/dev/null 2>&1; do sleep 1; done
while true; do
  if docker inspect app >/dev/null 2>&1; then break; fi
  sleep 1
done
while false; do echo never; done
echo done
