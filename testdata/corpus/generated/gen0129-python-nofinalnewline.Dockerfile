# syntax=docker/dockerfile:1.4
FROM python:3.12-slim AS base
ENV PYTHONDONTWRITEBYTECODE 1
ENV PYTHONUNBUFFERED 1
ENV PIP_NO_CACHE_DIR off
ENV PIP_DISABLE_PIP_VERSION_CHECK on
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        libpq-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
LABEL description "python-app service image"
USER app
EXPOSE 8000
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8000/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]