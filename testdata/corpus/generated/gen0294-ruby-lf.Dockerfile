
#
# Production image
#
FROM ruby:3.2-slim
RUN set -eux; \
    apt-get update; \
# keep the list sorted
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
LABEL org.opencontainers.image.title="ruby-app" \
      org.opencontainers.image.source="https://example.com/ruby-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 3000
CMD ["./bin/rails", "server"]
