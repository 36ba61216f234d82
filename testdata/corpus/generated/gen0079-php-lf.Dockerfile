# syntax=docker/dockerfile:1.6
FROM php:8.2-fpm-alpine
RUN apk add --no-cache icu-dev libzip-dev oniguruma-dev
RUN docker-php-ext-install intl zip mbstring pdo_mysql opcache
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /var/www/html
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts --prefer-dist --no-interaction
COPY . .
RUN chown -R www-data:www-data storage bootstrap/cache
LABEL maintainer="team-php-app@example.com"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: php
	  port: 8080
	EOT
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER nonroot:nonroot
EXPOSE 9000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:9000/health || exit 1
CMD ["php-fpm"]
