#!/bin/bash
: "${VERSION:?VERSION must be set}"
docker build -t "app:$VERSION" .
EMPTY=""
echo "${EMPTY:?is empty}"
docker push app
