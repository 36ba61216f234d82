ARG GO_VERSION=1.22
FROM golang:1.22 AS builder
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
COPY --from=builder /out/server /server
LABEL org.opencontainers.image.title="go-app" \
      org.opencontainers.image.source="https://example.com/go-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 8080/tcp
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/server"]