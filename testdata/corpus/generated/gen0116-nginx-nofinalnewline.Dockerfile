# syntax=docker/dockerfile:1.6
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:stable-alpine
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/dist /usr/share/nginx/html
STOPSIGNAL SIGQUIT
LABEL org.opencontainers.image.title="nginx-app" \
      org.opencontainers.image.source="https://example.com/nginx-app" \
      org.opencontainers.image.licenses="MIT"
RUN <<EOF
set -eux
echo 'preparing nginx'
mkdir -p /app/data
chmod 0755 /app/data
EOF
USER 10001:10001
EXPOSE 80
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:80/health || exit 1
CMD ["nginx", "-g", "daemon off;"]