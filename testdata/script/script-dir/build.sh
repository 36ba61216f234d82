#!/bin/bash
cd "$(dirname "$0")"
SCRIPT_DIR="$( cd "$( dirname "${BASH_SOURCE[0]}" )" && pwd )"
ROOT=$(cd "$SCRIPT_DIR/.." && pwd -P)
docker build -f "$SCRIPT_DIR/Dockerfile.build" -t builder "$ROOT"
echo "$0 ${0##*/} ${0%/*}"
