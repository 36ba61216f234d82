#!/bin/bash
declare -a images=(api worker)
images+=(web)
images[5]=cron
echo "${#images[@]}" "${images[1]}" "${images[@]:1:2}" "${!images[@]}"
for img in "${images[@]}"; do
  docker build -t "myorg/$img" "./$img"
done
declare -A ports=([api]=8080 [web]=80)
echo "${ports[api]}" "${ports[web]}" "${ports[none]:-none}"
arr=()
echo "empty: ${#arr[@]}" "${arr[@]}" end
unset 'images[0]'
