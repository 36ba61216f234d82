
# Build and run the service.
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
ENV RAILS_ENV "production"
ENV BUNDLE_DEPLOYMENT "1"
ENV BUNDLE_PATH "/usr/local/bundle"
COPY Gemfile Gemfile.lock ./
RUN bundle install && \
    rm -rf ~/.bundle/ "${BUNDLE_PATH}"/ruby/*/cache
COPY . .
RUN SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile
LABEL maintainer="team-ruby-app@example.com"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER nonroot:nonroot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:3000/health || exit 1
CMD ["./bin/rails", "server"]
