
# Build and run the service.
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
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001:10001
EXPOSE 9000
CMD ["php-fpm"]