ARG GO_VERSION=1.23
FROM golang:1.23 AS builder
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
COPY --from=builder /out/server /server
LABEL maintainer="team-go-app@example.com"
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/server"]
