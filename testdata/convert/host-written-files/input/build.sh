#!/bin/sh
set -e
docker build -t hello-build -f Dockerfile.build .
mkdir -p out/logs
docker create --name extract hello-build
docker cp extract:/src/hello out/hello
docker rm extract
echo "version 1" > out/VERSION
printf '%s=%s\n' mode release >> out/VERSION
cat > out/app.conf <<EOF
listen = 8080
name = "hello"
EOF
chmod 600 out/app.conf
cat VERSION.in > out/VERSION.in
docker build -t hello:latest .
