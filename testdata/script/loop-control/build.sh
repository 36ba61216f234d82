#!/bin/bash
for svc in api skip web stop never; do
  if [ "$svc" = skip ]; then continue; fi
  if [ "$svc" = stop ]; then break; fi
  docker build -t "$svc" "./$svc"
done
for outer in 1 2; do
  for inner in a b; do
    [ "$inner" = b ] && continue 2
    echo "$outer$inner"
  done
done
for f in ./*/Dockerfile; do
  docker build -f "$f" .
done
