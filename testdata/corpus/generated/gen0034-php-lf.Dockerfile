FROM php:8.3-fpm-alpine
RUN apk add --no-cache icu-dev libzip-dev oniguruma-dev
RUN docker-php-ext-install intl zip mbstring pdo_mysql opcache
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /var/www/html
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts --prefer-dist --no-interaction
COPY . .
RUN chown -R www-data:www-data storage bootstrap/cache
MAINTAINER Example Maintainer <php-app@example.com>
EXPOSE 9000
CMD ["php-fpm"]
