#!/usr/bin/env python3
"""Deterministic generator of realistic Dockerfiles for testdata/corpus/generated/.

What it is for
    The real-world corpus in testdata/corpus/ (see SOURCES.md) is topped up
    with generated files that look like what people write: images for Go,
    Java, Node, Python, .NET, Rust, Ruby, PHP and nginx, single- and
    multi-stage, with build-time mounts, heredocs, HEALTHCHECK, ONBUILD,
    LABEL/ENV in both forms, long RUN chains with comments inside the
    continuation, and variants with CRLF line endings, a UTF-8 BOM, no final
    newline and Windows images using the `# escape=`` directive. Every file is
    valid for BuildKit's parser (the script checks with the oracle and drops
    any that are not, so the corpus doubles as a benchmark input).

How to run
    scripts/gen_corpus.py                       # writes 300 files, seed 2024
    scripts/gen_corpus.py --count 300 --seed 7 --out testdata/corpus/generated
    scripts/oracle.py --dir testdata/corpus     # then refresh *.expected.json

The output depends only on --seed and --count (random.Random(seed)), so
re-running reproduces the same files byte for byte.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

LANGS = ["go", "java", "node", "python", "dotnet", "rust", "ruby", "php", "nginx"]


class G:
    def __init__(self, r: random.Random):
        self.r = r

    def p(self, x: float) -> bool:
        return self.r.random() < x

    def c(self, xs):
        return self.r.choice(xs)

    # -- pieces ---------------------------------------------------------------
    def header(self, lines: list[str]):
        if self.p(0.45):
            lines.append(self.c(["# syntax=docker/dockerfile:1", "# syntax=docker/dockerfile:1.6",
                                 "# syntax=docker/dockerfile:1.4", "# syntax = docker/dockerfile:1-labs"]))
        if self.p(0.3):
            lines.append("")
            lines.append(self.c(["# Build and run the service.", "# Multi-stage build: compile, then copy the result",
                                 "# Maintained by the platform team", "#\n# Production image\n#"]))

    def labels(self, lines, name):
        x = self.r.random()
        if x < 0.4:
            lines.append(f'LABEL org.opencontainers.image.title="{name}" \\')
            lines.append(f'      org.opencontainers.image.source="https://example.com/{name}" \\')
            lines.append('      org.opencontainers.image.licenses="MIT"')
        elif x < 0.6:
            lines.append(f"LABEL maintainer=\"team-{name}@example.com\"")
        elif x < 0.7:
            lines.append(f"MAINTAINER Example Maintainer <{name}@example.com>")
        elif x < 0.8:
            lines.append(f"LABEL description \"{name} service image\"")

    def env(self, lines, pairs):
        if self.p(0.5):
            lines.append("ENV " + " ".join(f"{k}={v}" for k, v in pairs))
        elif self.p(0.5):
            for k, v in pairs:
                lines.append(f"ENV {k} {v}")
        else:
            first = True
            for i, (k, v) in enumerate(pairs):
                tail = " \\" if i < len(pairs) - 1 else ""
                lines.append(("ENV " if first else "    ") + f"{k}={v}{tail}")
                first = False

    def apt(self, pkgs, cache_mount=False, comment=True):
        mount = ("--mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    "
                 "--mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    ") if cache_mount else ""
        body = [f"RUN {mount}set -eux; \\", "    apt-get update; \\"]
        if comment and self.p(0.4):
            body.append("# keep the list sorted")
        body.append("    apt-get install -y --no-install-recommends \\")
        for p in sorted(pkgs):
            body.append(f"        {p} \\")
        body.append("    ; \\")
        body.append("    rm -rf /var/lib/apt/lists/*")
        return body

    def apk(self, pkgs):
        return ["RUN apk add --no-cache " + " ".join(pkgs)] if self.p(0.5) else \
            ["RUN set -eux \\", "    && apk add --no-cache \\"] + [f"        {p} \\" for p in pkgs] + ["    && true"]

    def healthcheck(self, lines, port):
        x = self.r.random()
        if x < 0.35:
            lines.append(f"HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\")
            lines.append(f"  CMD curl -fsS http://localhost:{port}/health || exit 1")
        elif x < 0.5:
            lines.append(f'HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:{port}/healthz"]')
        elif x < 0.55:
            lines.append("HEALTHCHECK NONE")

    def user(self, lines, uid="10001"):
        if self.p(0.6):
            if self.p(0.5):
                lines.append(f"RUN groupadd --system --gid {uid} app && useradd --system --uid {uid} --gid app app")
            lines.append(self.c([f"USER {uid}", "USER app", f"USER {uid}:{uid}", "USER nonroot:nonroot"]))

    def heredoc_script(self, lines, what):
        if self.p(0.5):
            lines.append("RUN <<EOF")
            lines += ["set -eux", f"echo 'preparing {what}'", "mkdir -p /app/data", "chmod 0755 /app/data", "EOF"]
        else:
            lines.append("COPY <<-\"EOT\" /app/config.yaml")
            lines += ["\tservice:", f"\t  name: {what}", "\t  port: 8080", "\tEOT"]

    # -- languages --------------------------------------------------------------
    def go(self, L):
        ver = self.c(["1.21", "1.22", "1.23"])
        base = self.c([f"golang:{ver}-alpine", f"golang:{ver}-bookworm", f"golang:{ver}"])
        L.append(f"ARG GO_VERSION={ver}")
        stage = self.c(["build", "builder"])
        L.append(f"FROM --platform=$BUILDPLATFORM {base} AS {stage}" if self.p(0.5) else f"FROM {base} AS {stage}")
        L.append("WORKDIR /src")
        if self.p(0.5):
            L.append("RUN --mount=type=cache,target=/go/pkg/mod \\")
            L.append("    --mount=type=bind,source=go.sum,target=go.sum \\")
            L.append("    --mount=type=bind,source=go.mod,target=go.mod \\")
            L.append("    go mod download -x")
        else:
            L += ["COPY go.mod go.sum ./", "RUN go mod download"]
        L.append("COPY . .")
        L.append("ARG TARGETOS TARGETARCH" if self.p(0.5) else "ARG TARGETOS\nARG TARGETARCH")
        L.append("RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \\")
        L.append("    go build -trimpath -ldflags=\"-s -w\" -o /out/server ./cmd/server")
        L.append("")
        L.append(self.c(["FROM gcr.io/distroless/static-debian12:nonroot", "FROM scratch", "FROM alpine:3.19"]))
        L.append(f"COPY --from={stage} /out/server /server")
        return "8080", '["/server"]'

    def java(self, L):
        jdk = self.c(["17", "21"])
        tool = self.c(["maven", "gradle"])
        if tool == "maven":
            L.append(f"FROM maven:3.9-eclipse-temurin-{jdk} AS build")
            L.append("WORKDIR /workspace")
            L.append("COPY pom.xml .")
            L.append("RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline" if self.p(0.5)
                     else "RUN mvn -B dependency:resolve")
            L.append("COPY src ./src")
            L.append("RUN mvn -B -DskipTests package && \\\n    cp target/*.jar /workspace/app.jar")
        else:
            L.append(f"FROM gradle:8-jdk{jdk} AS build")
            L.append("WORKDIR /home/gradle/project")
            L.append("COPY --chown=gradle:gradle . .")
            L.append("RUN gradle bootJar --no-daemon \\\n  && cp build/libs/*.jar /home/gradle/app.jar")
        L.append("")
        L.append(f"FROM eclipse-temurin:{jdk}-jre-jammy")
        L.append("WORKDIR /app")
        self.env(L, [("JAVA_OPTS", '"-XX:MaxRAMPercentage=75 -XX:+UseG1GC"'), ("TZ", "UTC")])
        src = "/workspace/app.jar" if tool == "maven" else "/home/gradle/app.jar"
        L.append(f"COPY --from=build {src} /app/app.jar")
        return "8080", '["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]'

    def node(self, L):
        ver = self.c(["18", "20", "22"])
        L.append(f"FROM node:{ver}-alpine AS deps")
        L.append("WORKDIR /app")
        L.append("COPY package.json package-lock.json* ./")
        L.append("RUN --mount=type=cache,target=/root/.npm \\\n    npm ci --omit=dev" if self.p(0.5) else "RUN npm ci --only=production")
        L.append("")
        L.append(f"FROM node:{ver}-alpine AS build")
        L.append("WORKDIR /app")
        L.append("COPY --from=deps /app/node_modules ./node_modules")
        L.append("COPY . .")
        L.append("RUN npm run build")
        L.append("")
        L.append(f"FROM node:{ver}-alpine")
        L.append("ENV NODE_ENV=production")
        L.append("WORKDIR /app")
        L.append("COPY --from=build --chown=node:node /app/dist ./dist")
        L.append("COPY --from=deps --chown=node:node /app/node_modules ./node_modules")
        L.append("USER node")
        return "3000", '["node", "dist/index.js"]'

    def python(self, L):
        ver = self.c(["3.10", "3.11", "3.12"])
        L.append(f"FROM python:{ver}-slim AS base")
        self.env(L, [("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONUNBUFFERED", "1"),
                     ("PIP_NO_CACHE_DIR", "off"), ("PIP_DISABLE_PIP_VERSION_CHECK", "on")])
        L += self.apt(["build-essential", "libpq-dev", "curl"], cache_mount=self.p(0.3))
        L.append("WORKDIR /app")
        L.append("COPY requirements.txt .")
        L.append("RUN pip install --no-cache-dir -r requirements.txt")
        L.append("COPY . .")
        if self.p(0.3):
            L.append("ONBUILD COPY requirements-extra.txt /app/")
            L.append("ONBUILD RUN pip install -r /app/requirements-extra.txt")
        return "8000", self.c(['["gunicorn", "-b", "0.0.0.0:8000", "app:app"]', "python -m app",
                               '["uvicorn", "main:app", "--host", "0.0.0.0"]'])

    def dotnet(self, L):
        ver = self.c(["6.0", "7.0", "8.0"])
        L.append(f"FROM mcr.microsoft.com/dotnet/sdk:{ver} AS build")
        L.append("WORKDIR /source")
        L.append("COPY *.csproj .")
        L.append("RUN dotnet restore --use-current-runtime")
        L.append("COPY . .")
        L.append("RUN dotnet publish -c Release -o /app --no-restore")
        L.append("")
        L.append(f"FROM mcr.microsoft.com/dotnet/aspnet:{ver}")
        L.append("WORKDIR /app")
        L.append("COPY --from=build /app .")
        self.env(L, [("ASPNETCORE_URLS", "http://+:8080")])
        return "8080", '["dotnet", "WebApp.dll"]'

    def rust(self, L):
        L.append(f"FROM rust:{self.c(['1.75', '1.79', '1-bookworm'])} AS builder")
        L.append("WORKDIR /usr/src/app")
        L.append("COPY Cargo.toml Cargo.lock ./")
        L.append("RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src")
        L.append("COPY . .")
        L.append("RUN --mount=type=cache,target=/usr/local/cargo/registry \\\n"
                 "    --mount=type=cache,target=/usr/src/app/target,sharing=private \\\n"
                 "    cargo build --release && cp target/release/app /usr/local/bin/app")
        L.append("")
        L.append("FROM debian:bookworm-slim")
        L += self.apt(["ca-certificates"], comment=False)
        L.append("COPY --from=builder /usr/local/bin/app /usr/local/bin/app")
        return "8080", '["app"]'

    def ruby(self, L):
        L.append(f"FROM ruby:{self.c(['3.2', '3.3'])}-slim")
        L += self.apt(["build-essential", "libpq-dev", "nodejs", "git"])
        L.append("WORKDIR /rails")
        self.env(L, [("RAILS_ENV", '"production"'), ("BUNDLE_DEPLOYMENT", '"1"'), ("BUNDLE_PATH", '"/usr/local/bundle"')])
        L.append("COPY Gemfile Gemfile.lock ./")
        L.append("RUN bundle install && \\\n    rm -rf ~/.bundle/ \"${BUNDLE_PATH}\"/ruby/*/cache")
        L.append("COPY . .")
        L.append("RUN SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile")
        if self.p(0.3):
            L.append("ONBUILD COPY Gemfile /usr/src/app/")
            L.append("ONBUILD RUN bundle install")
        return "3000", '["./bin/rails", "server"]'

    def php(self, L):
        L.append(f"FROM php:{self.c(['8.1', '8.2', '8.3'])}-fpm-alpine")
        L += self.apk(["icu-dev", "libzip-dev", "oniguruma-dev"])
        L.append("RUN docker-php-ext-install intl zip mbstring pdo_mysql opcache")
        L.append("COPY --from=composer:2 /usr/bin/composer /usr/bin/composer")
        L.append("WORKDIR /var/www/html")
        L.append("COPY composer.json composer.lock ./")
        L.append("RUN composer install --no-dev --no-scripts --prefer-dist --no-interaction")
        L.append("COPY . .")
        L.append("RUN chown -R www-data:www-data storage bootstrap/cache")
        return "9000", '["php-fpm"]'

    def nginx(self, L):
        L.append("FROM node:20-alpine AS build")
        L.append("WORKDIR /app")
        L.append("COPY . .")
        L.append("RUN npm ci && npm run build")
        L.append("")
        L.append(f"FROM nginx:{self.c(['1.25-alpine', 'stable-alpine', '1.27'])}")
        if self.p(0.5):
            L.append("COPY <<EOF /etc/nginx/conf.d/default.conf")
            L += ["server {", "    listen 80;", "    root /usr/share/nginx/html;",
                  "    location / { try_files $uri /index.html; }", "}", "EOF"]
        else:
            L.append("COPY nginx.conf /etc/nginx/conf.d/default.conf")
        L.append("COPY --from=build /app/dist /usr/share/nginx/html")
        L.append("STOPSIGNAL SIGQUIT")
        return "80", '["nginx", "-g", "daemon off;"]'

    def windows(self, L, lang):
        """A Windows image with the backtick escape character."""
        L.insert(0, self.c(["# escape=`", "#escape=`", "# escape = `"]))
        base = self.c(["mcr.microsoft.com/windows/servercore:ltsc2022", "mcr.microsoft.com/powershell:lts-nanoserver-1809",
                       "mcr.microsoft.com/dotnet/framework/sdk:4.8"])
        L.append(f"FROM {base}")
        L.append("SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';\"]")
        L.append("ENV APP_HOME C:\\app")
        L.append(f"RUN $url = 'https://example.com/{lang}/setup.zip'; `")
        L.append("    Write-Host ('Downloading {0} ...' -f $url); `")
        L.append("    Invoke-WebRequest -Uri $url -OutFile setup.zip; `")
        L.append("    Expand-Archive setup.zip -DestinationPath C:\\tools; `")
        L.append("    Remove-Item setup.zip -Force")
        L.append("WORKDIR C:\\app")
        L.append("COPY . C:\\app\\")
        L.append("RUN setx /M PATH $($Env:PATH + ';C:\\tools\\bin')")
        return "8080", '["C:\\\\tools\\\\bin\\\\app.exe"]'

    def build(self, lang: str) -> tuple[str, str]:
        L: list[str] = []
        self.header(L)
        windows = lang in ("dotnet", "java", "python", "node", "go") and self.p(0.2)
        if windows:
            port, cmd = self.windows(L, lang)
        else:
            port, cmd = getattr(self, lang)(L)
        self.labels(L, lang + "-app")
        if not windows and self.p(0.3):
            self.heredoc_script(L, lang)
        if not windows:
            self.user(L)
        L.append(f"EXPOSE {port}" if self.p(0.8) else f"EXPOSE {port}/tcp")
        if not windows:
            self.healthcheck(L, port)
        if self.p(0.2):
            L.append('ENTRYPOINT ["/usr/bin/tini", "--"]')
        L.append(f"CMD {cmd}")
        if windows:  # continuations use the backtick there
            L = [ln[:-1] + "`" if ln.endswith(" \\") else ln for ln in L]
        text = "\n".join(L) + "\n"
        variant = "lf"
        x = self.r.random()
        if x < 0.15:
            text, variant = text.replace("\n", "\r\n"), "crlf"
        elif x < 0.2:
            text, variant = "\ufeff" + text, "bom"
        elif x < 0.3:
            text, variant = text.rstrip("\n"), "nofinalnewline"
        elif x < 0.35:
            text, variant = text.replace("\n\n", "\n\n\n").replace("\nRUN ", "\n  RUN   "), "oddspacing"
        if windows:
            variant = "windows-" + variant
        return text, variant


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate realistic Dockerfiles deterministically.")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "testdata/corpus/generated"))
    args = ap.parse_args(argv)
    from oracle import oracle_bytes

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.Dockerfile"):
        old.unlink()
    r = random.Random(args.seed)
    written = dropped = 0
    for i in range(args.count):
        lang = LANGS[i % len(LANGS)]
        text, variant = G(r).build(lang)
        data = text.encode("utf-8")
        status, res = oracle_bytes(data)
        if status != "ok":
            dropped += 1
            print(f"dropped case {i} ({lang}, {variant}): {res}", file=sys.stderr)
            continue
        (out / f"gen{i:04d}-{lang}-{variant}.Dockerfile").write_bytes(data)
        written += 1
    print(f"gen_corpus: wrote {written} files to {out} ({dropped} dropped as not parseable)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
