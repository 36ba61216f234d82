#!/bin/bash
# A file removed on the host from inside a copied-out directory must not
# reach the image; one touched or written there must.
set -e
docker build -t docs-build -f Dockerfile.build .
docker create --name docs-x docs-build
docker cp docs-x:/out site
docker rm docs-x
rm -f site/draft.html
touch site/.nojekyll
echo 'built by ci' > site/VERSION
docker build -t docs .
