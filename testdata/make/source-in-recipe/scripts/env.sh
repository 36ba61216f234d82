IMAGE=acme/sourced
TAG=$(cat VERSION 2>/dev/null || echo dev)
echo "loaded $IMAGE"
