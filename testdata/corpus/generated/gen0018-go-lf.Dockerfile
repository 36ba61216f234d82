
#
# Production image
#
ARG GO_VERSION=1.21
FROM golang:1.21-bookworm AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/server /server
LABEL description "go-app service image"
USER app
EXPOSE 8080/tcp
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/server"]
