# syntax = docker/dockerfile:1-labs

# Multi-stage build: compile, then copy the result
FROM node:22-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json* ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

FROM node:22-alpine AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM node:22-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
USER node
LABEL org.opencontainers.image.title="node-app" \
      org.opencontainers.image.source="https://example.com/node-app" \
      org.opencontainers.image.licenses="MIT"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: node
	  port: 8080
	EOT
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001
EXPOSE 3000/tcp
CMD ["node", "dist/index.js"]
