# syntax=docker/dockerfile:1
FROM python:3.10-slim AS base
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
RUN <<EOF
set -eux
echo 'preparing python'
mkdir -p /app/data
chmod 0755 /app/data
EOF
USER nonroot:nonroot
EXPOSE 8000/tcp
CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]
