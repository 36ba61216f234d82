FROM php:8.1-fpm-alpine
RUN apk add --no-cache icu-dev libzip-dev oniguruma-dev
RUN docker-php-ext-install intl zip mbstring pdo_mysql opcache
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /var/www/html
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts --prefer-dist --no-interaction
COPY . .
RUN chown -R www-data:www-data storage bootstrap/cache
LABEL org.opencontainers.image.title="php-app" \
      org.opencontainers.image.source="https://example.com/php-app" \
      org.opencontainers.image.licenses="MIT"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: php
	  port: 8080
	EOT
EXPOSE 9000
CMD ["php-fpm"]
