# syntax = docker/dockerfile:1-labs

# Build and run the service.
ARG GO_VERSION=1.23
FROM --platform=$BUILDPLATFORM golang:1.23-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM alpine:3.19
COPY --from=build /out/server /server
LABEL org.opencontainers.image.title="go-app" \
      org.opencontainers.image.source="https://example.com/go-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 8080
CMD ["/server"]
