#!/bin/bash
X=world
echo 'single $X' "double $X" $'ansi\tC\x41' a\ b "esc \"q\" \$X \\ \`" 'it'\''s' "$X"'$X'$X
echo "" '' x""y
echo "multi
line"
echo -n ab\
cd
