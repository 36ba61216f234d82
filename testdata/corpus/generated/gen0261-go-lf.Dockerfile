ARG GO_VERSION=1.22
FROM golang:1.22-alpine AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/server /server
LABEL maintainer="team-go-app@example.com"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: go
	  port: 8080
	EOT
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001:10001
EXPOSE 8080
CMD ["/server"]
