# syntax=docker/dockerfile:1


#
# Production image
#
FROM node:22-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json* ./
  RUN   npm ci --only=production


FROM node:22-alpine AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
  RUN   npm run build


FROM node:22-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
USER node
LABEL org.opencontainers.image.title="node-app" \
      org.opencontainers.image.source="https://example.com/node-app" \
      org.opencontainers.image.licenses="MIT"
  RUN   groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER app
EXPOSE 3000/tcp
CMD ["node", "dist/index.js"]
