# syntax=docker/dockerfile:1
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:1.25-alpine
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
EXPOSE 80/tcp
CMD ["nginx", "-g", "daemon off;"]
