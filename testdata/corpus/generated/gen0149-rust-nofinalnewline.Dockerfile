# syntax=docker/dockerfile:1.4

# Maintained by the platform team
FROM rust:1.75 AS builder
WORKDIR /usr/src/app
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/src/app/target,sharing=private \
    cargo build --release && cp target/release/app /usr/local/bin/app

FROM debian:bookworm-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=builder /usr/local/bin/app /usr/local/bin/app
RUN <<EOF
set -eux
echo 'preparing rust'
mkdir -p /app/data
chmod 0755 /app/data
EOF
EXPOSE 8080/tcp
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["app"]