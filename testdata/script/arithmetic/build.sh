#!/bin/bash
N=3
echo $((N * 2 + 1)) $(( (N + 1) ** 2 )) $((N > 2 ? 10 : 20)) $((0x10 + 010 + 2#11)) $((-2 ** 2)) $((7 % 3)) $((1 << 4))
i=0
((i++))
let "i += 5" j=7
echo "$i $j"
for ((k = 0; k < N; k++)); do
  docker build -t "app:$k" .
done
count=$(( $(nproc) * 2 ))
echo "$count" $((UNSET_NUM + 1)) $((EMPTY)) 
EMPTY=""
(( N > 5 )) && echo big || echo small
echo before division
if true; then echo $((N / 0)); echo "same command"; fi
echo "next command"
