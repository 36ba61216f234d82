FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:1.25-alpine
COPY <<EOF /etc/nginx/conf.d/default.conf
server {
    listen 80;
    root /usr/share/nginx/html;
    location / { try_files $uri /index.html; }
}
EOF
COPY --from=build /app/dist /usr/share/nginx/html
STOPSIGNAL SIGQUIT
MAINTAINER Example Maintainer <nginx-app@example.com>
RUN <<EOF
set -eux
echo 'preparing nginx'
mkdir -p /app/data
chmod 0755 /app/data
EOF
EXPOSE 80
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:80/health || exit 1
CMD ["nginx", "-g", "daemon off;"]
