#!/bin/bash
build() { echo "function, not the real docker"; }
trap 'echo never runs: exec replaced the shell' EXIT
time docker build -t app .
command docker build -t app2 .
command -v docker >/dev/null || { echo "docker missing"; exit 1; }
nohup docker run -d app &
builtin echo hi
exec docker run --rm app serve
echo "never reached"
