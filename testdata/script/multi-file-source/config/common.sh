REGISTRY=registry.local:5000
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
print_info() {
  echo "image $IMAGE from ${BASH_SOURCE[0]}"
}
