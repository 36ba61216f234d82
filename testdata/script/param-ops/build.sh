#!/bin/bash
FILE=/path/to/archive.tar.gz
echo "${FILE#*/}" "${FILE##*/}" "${FILE%.*}" "${FILE%%.*}"
echo "${FILE/tar/zip}" "${FILE//a/A}" "${FILE/#\/path/~}" "${FILE/%gz/xz}" "${FILE//[aeiou]/}"
NAME=MyApp
echo "${NAME^^}" "${NAME,,}" "${NAME^}" "${#NAME}" "${NAME:2}" "${NAME:0:2}" "${NAME: -3}" "${NAME:1:-1}"
VERSION=v1.2.3
echo "${VERSION#v}" "${VERSION//./-}" "${X:-$VERSION}" "${X-unset}" "${NAME:+set}" "${X:+set}"
echo "${Y:=assigned}" "$Y"
REF=NAME
echo "${!REF}"
echo "${UNKNOWN_VAR%%.*}" "${1#v}"
