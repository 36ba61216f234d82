# syntax=docker/dockerfile:1.6

# Maintained by the platform team
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:stable-alpine
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/dist /usr/share/nginx/html
STOPSIGNAL SIGQUIT
USER nonroot:nonroot
EXPOSE 80/tcp
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:80/health || exit 1
CMD ["nginx", "-g", "daemon off;"]
