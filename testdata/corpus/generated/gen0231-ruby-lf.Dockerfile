
# Maintained by the platform team
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
ENV RAILS_ENV "production"
ENV BUNDLE_DEPLOYMENT "1"
ENV BUNDLE_PATH "/usr/local/bundle"
COPY Gemfile Gemfile.lock ./
RUN bundle install && \
    rm -rf ~/.bundle/ "${BUNDLE_PATH}"/ruby/*/cache
COPY . .
RUN SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile
LABEL description "ruby-app service image"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: ruby
	  port: 8080
	EOT
EXPOSE 3000
CMD ["./bin/rails", "server"]
