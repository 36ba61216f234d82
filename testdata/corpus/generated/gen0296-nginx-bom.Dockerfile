
# Maintained by the platform team
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:stable-alpine
COPY <<EOF /etc/nginx/conf.d/default.conf
server {
    listen 80;
    root /usr/share/nginx/html;
    location / { try_files $uri /index.html; }
}
EOF
COPY --from=build /app/dist /usr/share/nginx/html
STOPSIGNAL SIGQUIT
LABEL org.opencontainers.image.title="nginx-app" \
      org.opencontainers.image.source="https://example.com/nginx-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 80
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:80/healthz"]
CMD ["nginx", "-g", "daemon off;"]
