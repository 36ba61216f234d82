# syntax=docker/dockerfile:1.4

# Build and run the service.
FROM ruby:3.2-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        git \
        libpq-dev \
        nodejs \
    ; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /rails
ENV RAILS_ENV="production" BUNDLE_DEPLOYMENT="1" BUNDLE_PATH="/usr/local/bundle"
COPY Gemfile Gemfile.lock ./
RUN bundle install && \
    rm -rf ~/.bundle/ "${BUNDLE_PATH}"/ruby/*/cache
COPY . .
RUN SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile
LABEL maintainer="team-ruby-app@example.com"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: ruby
	  port: 8080
	EOT
USER app
EXPOSE 3000
CMD ["./bin/rails", "server"]
