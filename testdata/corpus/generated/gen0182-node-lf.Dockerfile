# syntax = docker/dockerfile:1-labs
FROM node:18-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json* ./
RUN npm ci --only=production

FROM node:18-alpine AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM node:18-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
USER node
RUN <<EOF
set -eux
echo 'preparing node'
mkdir -p /app/data
chmod 0755 /app/data
EOF
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001
EXPOSE 3000
CMD ["node", "dist/index.js"]
