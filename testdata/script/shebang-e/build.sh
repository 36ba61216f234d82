#!/bin/bash -ex
docker build -t app .
