ARG GO_VERSION=1.23
FROM golang:1.23-bookworm AS build
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

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
LABEL maintainer="team-go-app@example.com"
EXPOSE 8080/tcp
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8080/healthz"]
CMD ["/server"]
