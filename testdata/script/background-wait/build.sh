#!/bin/bash
docker build -t a ./a &
docker build -t b ./b &
wait
(cd c && docker build -t c .) &
wait $!
