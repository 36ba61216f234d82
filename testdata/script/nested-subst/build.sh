#!/bin/bash
NAME=$(basename "$(pwd)")
GREETING=$(echo "$(echo hello) world")
VERSION=$(cat VERSION)
VERSION2=$(<VERSION)
MISSING=$(<NOPE)
OLD=`echo \`echo nested\``
docker build -t "$NAME:$VERSION" --label "g=$GREETING" --label "v2=$VERSION2" --label "m=$MISSING" --label "o=$OLD" .
DIR=$(dirname /opt/app/bin/run.sh)
BASE=$(basename /opt/app/bin/run.sh .sh)
echo "$DIR $BASE $(realpath ./sub/../x) $(printf '%s-%d' v 3)"
V3=$(cat VERSION 2>/dev/null || echo dev)
V4=$(cat NOPE 2>/dev/null || echo dev)
BOTH=$(echo a; echo b)
PIPED=$(echo "$V3" | cut -d. -f1)
QUIET=$(cd /tmp && ls >/dev/null; pwd)
echo "$V3|$V4|$BOTH|$PIPED|$QUIET"
