#!/bin/bash
docker-compose -f docker-compose.build.yml run --rm builder
docker compose -f docker-compose.yml build
docker-compose -f docker-compose.build.yml down
