#!/bin/sh
mkdir -p dist
docker run --rm builder tar -c -C /out . | tar -x -C dist
docker run --rm builder tar -cz /out |& gzip -d | tar -x -C dist
