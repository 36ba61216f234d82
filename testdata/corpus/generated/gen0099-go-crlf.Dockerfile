# syntax=docker/dockerfile:1
ARG GO_VERSION=1.21
FROM golang:1.21-alpine AS builder
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/server /server
MAINTAINER Example Maintainer <go-app@example.com>
USER nonroot:nonroot
EXPOSE 8080/tcp
CMD ["/server"]
