#!/bin/bash
PUSH=false
while getopts "pt:" opt; do
  case $opt in
    p) PUSH=true ;;
    t) TAG=$OPTARG ;;
    *) exit 1 ;;
  esac
done
docker build -t "app:${TAG:-latest}" .
if [ "$PUSH" = true ]; then docker push "app:${TAG:-latest}"; fi
