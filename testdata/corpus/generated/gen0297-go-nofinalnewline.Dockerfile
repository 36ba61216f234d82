# syntax=docker/dockerfile:1.6

# Build and run the service.
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build
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

FROM scratch
COPY --from=build /out/server /server
MAINTAINER Example Maintainer <go-app@example.com>
RUN <<EOF
set -eux
echo 'preparing go'
mkdir -p /app/data
chmod 0755 /app/data
EOF
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/server"]