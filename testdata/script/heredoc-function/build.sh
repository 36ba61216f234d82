#!/bin/bash
write_dockerfile() {
  local base=$1
  cat > Dockerfile.gen <<EOF
FROM ${base}
COPY --from=builder /app /app
CMD ["/app"]
EOF
}
write_dockerfile "debian:bookworm-slim"
docker build -f Dockerfile.gen -t app .
