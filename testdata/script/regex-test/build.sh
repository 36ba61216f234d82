#!/bin/bash
TAG=v1.2.3
if [[ $TAG =~ ^v[0-9]+ ]]; then
  echo "semver"
fi
if [[ "$TAG" == "v1.2.3" && -n $TAG ]]; then echo exact; fi
if [[ ! -f nothing || $TAG != v* ]]; then echo "no file"; fi
