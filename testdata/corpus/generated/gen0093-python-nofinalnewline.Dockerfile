
#
# Production image
#
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=off PIP_DISABLE_PIP_VERSION_CHECK=on
RUN set -eux; \
    apt-get update; \
# keep the list sorted
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
LABEL org.opencontainers.image.title="python-app" \
      org.opencontainers.image.source="https://example.com/python-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 8000
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8000/healthz"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]