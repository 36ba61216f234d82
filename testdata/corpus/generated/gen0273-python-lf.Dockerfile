# syntax=docker/dockerfile:1.6
FROM python:3.10-slim AS base
ENV PYTHONDONTWRITEBYTECODE 1
ENV PYTHONUNBUFFERED 1
ENV PIP_NO_CACHE_DIR off
ENV PIP_DISABLE_PIP_VERSION_CHECK on
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
ONBUILD COPY requirements-extra.txt /app/
ONBUILD RUN pip install -r /app/requirements-extra.txt
LABEL description "python-app service image"
COPY <<-"EOT" /app/config.yaml
	service:
	  name: python
	  port: 8080
	EOT
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER nonroot:nonroot
EXPOSE 8000/tcp
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8000/healthz"]
CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]
