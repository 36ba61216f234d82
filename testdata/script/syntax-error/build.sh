#!/bin/bash
docker build -t before .
fi
docker build -t middle .
echo $(( 1 + ))
done
for x in a b; do echo "$x"
docker build -t after .
