#!/bin/bash
MODE=release
case "$MODE" in
  debug) docker build --target debug -t app:debug . ;;
  release|prod) docker build --target release -t app:release . ;;
  *) echo "unknown mode $MODE"; exit 1 ;;
esac
case "$1" in
  build) docker build -t app . ;;
  push) docker push app ;;
  *) echo "usage: $0 build|push"; exit 1 ;;
esac
case "x.tar.gz" in
  *.zip) echo zip ;;
  *.tar.*) echo tarball ;&
  *.never) echo "fell through" ;;
  *) echo default ;;
esac
