# syntax=docker/dockerfile:1.4
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM nginx:stable-alpine
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/dist /usr/share/nginx/html
STOPSIGNAL SIGQUIT
LABEL maintainer="team-nginx-app@example.com"
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
