
# Multi-stage build: compile, then copy the result
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
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER app
EXPOSE 80
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:80/healthz"]
CMD ["nginx", "-g", "daemon off;"]
