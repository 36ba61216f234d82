FROM php:8.1-fpm-alpine
RUN set -eux \
    && apk add --no-cache \
        icu-dev \
        libzip-dev \
        oniguruma-dev \
    && true
RUN docker-php-ext-install intl zip mbstring pdo_mysql opcache
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /var/www/html
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts --prefer-dist --no-interaction
COPY . .
RUN chown -R www-data:www-data storage bootstrap/cache
LABEL description "php-app service image"
USER 10001
EXPOSE 9000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:9000/health || exit 1
CMD ["php-fpm"]
