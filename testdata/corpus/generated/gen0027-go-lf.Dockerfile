
# Build and run the service.
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM alpine:3.19
COPY --from=build /out/server /server
MAINTAINER Example Maintainer <go-app@example.com>
USER nonroot:nonroot
EXPOSE 8080
CMD ["/server"]
