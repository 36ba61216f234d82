# syntax=docker/dockerfile:1
ARG GO_VERSION=1.23
FROM --platform=$BUILDPLATFORM golang:1.23-alpine AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM scratch
COPY --from=builder /out/server /server
LABEL org.opencontainers.image.title="go-app" \
      org.opencontainers.image.source="https://example.com/go-app" \
      org.opencontainers.image.licenses="MIT"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: go
	  port: 8080
	EOT
EXPOSE 8080
CMD ["/server"]
