# syntax = docker/dockerfile:1-labs

# Maintained by the platform team
ARG GO_VERSION=1.21
FROM golang:1.21-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM alpine:3.19
COPY --from=build /out/server /server
LABEL maintainer="team-go-app@example.com"
RUN <<EOF
set -eux
echo 'preparing go'
mkdir -p /app/data
chmod 0755 /app/data
EOF
EXPOSE 8080
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/server"]
