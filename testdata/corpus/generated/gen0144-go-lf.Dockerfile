
# Maintained by the platform team
ARG GO_VERSION=1.21
FROM golang:1.21-alpine AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM alpine:3.19
COPY --from=build /out/server /server
LABEL org.opencontainers.image.title="go-app" \
      org.opencontainers.image.source="https://example.com/go-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 8080/tcp
CMD ["/server"]
