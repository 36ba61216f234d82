# syntax=docker/dockerfile:1.6
ARG GO_VERSION=1.21
FROM --platform=$BUILDPLATFORM golang:1.21-bookworm AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x
COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM alpine:3.19
COPY --from=build /out/server /server
MAINTAINER Example Maintainer <go-app@example.com>
RUN <<EOF
set -eux
echo 'preparing go'
mkdir -p /app/data
chmod 0755 /app/data
EOF
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001:10001
EXPOSE 8080
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8080/healthz"]
CMD ["/server"]
