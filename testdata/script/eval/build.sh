#!/bin/bash
IMG=myorg/app
CMD="docker build -t $IMG ."
eval "$CMD"
eval 'docker push $IMG'
eval "docker tag $IMG $1"
eval "$(ssh-agent -s)"
