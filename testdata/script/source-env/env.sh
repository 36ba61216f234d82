# shared settings
IMAGE=myorg/app
VERSION=1.2.3
echo "loaded env from ${BASH_SOURCE[0]}"
