#!/bin/bash
set -- api web
for s; do docker build -t "$s" "./$s"; done
set -x
echo "$1 $2 $#"
set +e
