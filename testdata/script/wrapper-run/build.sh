#!/bin/bash
run() {
  echo "+ $*"
  "$@"
}
run docker build -t "my app" .
run docker push "my app"
args() { echo "$# ${1:-} ${@:2}"; shift 2; echo "$@"; }
args a b c d
