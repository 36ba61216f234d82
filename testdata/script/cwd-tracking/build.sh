#!/bin/bash
cd app
docker build -t app .
cd ..
(cd builder && docker build -t builder .)
pushd tools/gen >/dev/null
make
popd >/dev/null
cd /tmp/work
cd -
cd "$BUILD_DIR"
docker build -t x .
cd sub
pwd
