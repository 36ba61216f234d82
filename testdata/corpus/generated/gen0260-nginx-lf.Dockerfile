
# Multi-stage build: compile, then copy the result
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
LABEL maintainer="team-nginx-app@example.com"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER app
EXPOSE 80/tcp
CMD ["nginx", "-g", "daemon off;"]
