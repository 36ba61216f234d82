# syntax=docker/dockerfile:1
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:1.27
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/dist /usr/share/nginx/html
STOPSIGNAL SIGQUIT
LABEL org.opencontainers.image.title="nginx-app" \
      org.opencontainers.image.source="https://example.com/nginx-app" \
      org.opencontainers.image.licenses="MIT"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: nginx
	  port: 8080
	EOT
USER 10001
EXPOSE 80
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["nginx", "-g", "daemon off;"]