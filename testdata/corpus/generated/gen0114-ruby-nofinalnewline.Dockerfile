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
ONBUILD COPY Gemfile /usr/src/app/
ONBUILD RUN bundle install
LABEL maintainer="team-ruby-app@example.com"
EXPOSE 3000
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:3000/healthz"]
CMD ["./bin/rails", "server"]