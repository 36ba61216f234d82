FROM php:8.3-fpm-alpine
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
LABEL org.opencontainers.image.title="php-app" \
      org.opencontainers.image.source="https://example.com/php-app" \
      org.opencontainers.image.licenses="MIT"
USER 10001
EXPOSE 9000
CMD ["php-fpm"]
