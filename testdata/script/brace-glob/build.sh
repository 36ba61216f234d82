#!/bin/bash
mkdir -p out/{bin,lib} build{1..3}
echo {a,b}{1,2} x{,.bak} "{not,expanded}" {single} {5..1..2} {a..c}
cp *.go out/
rm -f out/*.tmp
echo "*.quoted"
