# This vLLM Dockerfile is used to build images that can run vLLM on both x86_64 and arm64 CPU platforms.
#
# Supported platforms:
#   - linux/amd64 (x86_64)
#   - linux/arm64 (aarch64)
#
# Use the `--platform` option with `docker buildx build` to specify the target architecture, e.g.:
#   docker buildx build --platform=linux/arm64 -f docker/Dockerfile.cpu .
#
# Build targets:
#   vllm-openai (default): used for serving deployment
#   vllm-test: used for CI tests
#   vllm-dev: used for development
#
# Build arguments:
#   PYTHON_VERSION=3.13|3.12 (default)|3.11
#   VLLM_CPU_X86=false (default)|true (for cross-compilation)
#   VLLM_CPU_ARM_BF16=false (default)|true (for cross-compilation)
#

######################### BASE IMAGE #########################
# Common apt packages and the optional sccache binary install, shared by
# base-common and rust-build (the latter is deliberately not `FROM
# base-common`, to stay minimal and build in parallel with vllm-build).
#
# Optional remote (S3-backed) compiler cache. Local BuildKit `--mount=type=cache`
# cache mounts (ccache, cargo registry) aren't exported by `--cache-to
# type=registry`, so they don't survive a build landing on a different/fresh
# builder. sccache's cache lives in S3 instead, so it does.
FROM ubuntu:22.04 AS base

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -y \
    && apt-get install -y --no-install-recommends ca-certificates curl git

ARG TARGETARCH
ARG USE_SCCACHE
ARG SCCACHE_DOWNLOAD_URL

RUN if [ "$USE_SCCACHE" = "1" ]; then \
        echo "Installing sccache..." \
        && case "${TARGETARCH}" in \
          arm64) SCCACHE_ARCH="aarch64" ;; \
          amd64) SCCACHE_ARCH="x86_64" ;; \
          *) echo "Unsupported TARGETARCH for sccache: ${TARGETARCH}" >&2; exit 1 ;; \
        esac \
        && export SCCACHE_DOWNLOAD_URL="${SCCACHE_DOWNLOAD_URL:-https://github.com/mozilla/sccache/releases/download/v0.8.1/sccache-v0.8.1-${SCCACHE_ARCH}-unknown-linux-musl.tar.gz}" \
        && curl -L -o sccache.tar.gz "${SCCACHE_DOWNLOAD_URL}" \
        && tar -xzf sccache.tar.gz \
        && mv sccache-v0.8.1-${SCCACHE_ARCH}-unknown-linux-musl/sccache /usr/bin/sccache \
        && rm -rf sccache.tar.gz sccache-v0.8.1-${SCCACHE_ARCH}-unknown-linux-musl; \
    fi

######################### BINUTILS BUILD IMAGE #########################
# Build a newer GNU assembler for the AMX-FP8 instruction set.
FROM base AS binutils-build

ARG BINUTILS_VERSION=2.47

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -y \
    && apt-get install -y --no-install-recommends \
        bison \
        build-essential \
        flex \
        texinfo \
        xz-utils \
    && curl -fsSLO "https://sourceware.org/pub/binutils/releases/binutils-${BINUTILS_VERSION}.tar.xz" \
    && tar -xf "binutils-${BINUTILS_VERSION}.tar.xz" \
    && mkdir binutils-build \
    && cd binutils-build \
    && "../binutils-${BINUTILS_VERSION}/configure" --prefix=/opt/binutils --disable-nls --disable-werror \
    && make -j"$(nproc)" \
    && make install \
    && cd .. \
    && rm -rf binutils-build "/binutils-${BINUTILS_VERSION}" "binutils-${BINUTILS_VERSION}.tar.xz"

######################### COMMON BASE IMAGE #########################
FROM base AS base-common

WORKDIR /workspace

COPY --from=binutils-build /opt/binutils /opt/binutils

ARG PYTHON_VERSION=3.12

ARG max_jobs=32
ENV MAX_JOBS=${max_jobs}

# Install minimal dependencies and uv
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -y \
    && apt-get install -y --no-install-recommends sudo ccache git curl wget ca-certificates zlib1g-dev \
    software-properties-common libtcmalloc-minimal4 libnuma-dev ffmpeg libsm6 libxext6 libgl1 jq lsof make xz-utils \
    && for i in 1 2 3; do \
        add-apt-repository -y ppa:ubuntu-toolchain-r/test && break || \
        { echo "Attempt $i failed, retrying toolchain PPA..."; sleep 5; }; \
    done \
    && apt-get update -y \
    && apt-get install -y --no-install-recommends gcc-15 g++-15 \
    && update-alternatives --install /usr/bin/gcc gcc /usr/bin/gcc-15 10 --slave /usr/bin/g++ g++ /usr/bin/g++-15 \
    && curl -LsSf https://astral.sh/uv/install.sh | sh

ARG TARGETARCH
ARG USE_SCCACHE
ARG SCCACHE_BUCKET_NAME=vllm-build-sccache
ARG SCCACHE_REGION_NAME=us-west-2
ARG SCCACHE_S3_NO_CREDENTIALS=0

ENV SCCACHE_BUCKET=${USE_SCCACHE:+${SCCACHE_BUCKET_NAME}}
ENV SCCACHE_REGION=${USE_SCCACHE:+${SCCACHE_REGION_NAME}}
ENV SCCACHE_S3_NO_CREDENTIALS=${USE_SCCACHE:+${SCCACHE_S3_NO_CREDENTIALS}}
ENV SCCACHE_IDLE_TIMEOUT=${USE_SCCACHE:+0}

# Compiler and linker environment
ENV CC=/usr/bin/gcc-15 CXX=/usr/bin/g++-15
ENV CCACHE_DIR=/root/.cache/ccache
ENV CMAKE_CXX_COMPILER_LAUNCHER=ccache

ENV PATH="/opt/binutils/bin:/root/.local/bin:$PATH"
ENV COMPILER_PATH="/opt/binutils/bin"
ENV VIRTUAL_ENV="/opt/venv"
ENV UV_PYTHON_INSTALL_DIR=/opt/uv/python
RUN uv venv --python ${PYTHON_VERSION} --seed ${VIRTUAL_ENV}
ENV PATH="$VIRTUAL_ENV/bin:$PATH"

ENV UV_HTTP_TIMEOUT=500

# Install Python dependencies
ENV UV_INDEX_STRATEGY="unsafe-best-match"
ENV UV_LINK_MODE="copy"

ENV TARGETARCH=${TARGETARCH}

######################### COMMON BASE IMAGE + PYTHON DEPS #########################
FROM base-common AS base-common-pydeps

ENV UV_COMPILE_BYTECODE=1

# PyTorch provides its own indexes for standard and nightly builds.
# PYTORCH_NIGHTLY=1 builds the CPU image against torch nightly (parity with the
# GPU torch-nightly lane); default 0 keeps the pinned release CPU build.
ARG PYTORCH_NIGHTLY=0
ARG PYTORCH_CPU_INDEX_BASE_URL=https://download.pytorch.org/whl

# Copy requirements files for installation
COPY requirements/common.txt requirements/common.txt
COPY requirements/cpu.txt requirements/cpu.txt
COPY tools/use_existing_torch.py tools/use_existing_torch.py

# For nightly: install torch nightly (CPU) first, strip torch pins from the
# requirements via tools/use_existing_torch.py so they can't pull it back to a release
# build, then install the rest from the nightly CPU index (no --torch-backend,
# which would force the stable channel). Release path is unchanged.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --upgrade pip && \
    if [ "${PYTORCH_NIGHTLY}" = "1" ]; then \
        echo "Installing torch nightly (CPU)..." \
        && uv pip install torch torchaudio torchvision torchcodec --pre \
            --index-url ${PYTORCH_CPU_INDEX_BASE_URL}/nightly/cpu \
        && python3 tools/use_existing_torch.py --prefix \
        && uv pip install -r requirements/cpu.txt \
            --extra-index-url ${PYTORCH_CPU_INDEX_BASE_URL}/nightly/cpu; \
    else \
        uv pip install -r requirements/cpu.txt --torch-backend cpu; \
    fi

######################### x86_64 BASE IMAGE #########################
FROM base-common-pydeps AS base-amd64

ENV LD_PRELOAD="/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4:/opt/venv/lib/libiomp5.so"

######################### arm64 BASE IMAGE #########################
FROM base-common-pydeps AS base-arm64

ENV LD_PRELOAD="/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4"

######################### ARCH BASE IMAGE #########################
FROM base-${TARGETARCH} AS base-arch

RUN echo 'ulimit -c 0' >> ~/.bashrc

######################### RUST BUILD IMAGE #########################
# Build the Rust frontend (`vllm-rs`) in a dedicated stage so the wheel build
# stage doesn't need the rust toolchain. This stage runs in parallel
# with the main vllm-build stage.
FROM base AS rust-build-cache
ENV DEBIAN_FRONTEND=noninteractive

RUN apt-get update -y \
    && apt-get install -y --no-install-recommends \
        build-essential python3 python3-pip \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /workspace

COPY requirements/build/rust.txt requirements/build/rust.txt
RUN python3 -m pip install --no-cache-dir -r requirements/build/rust.txt

ARG USE_SCCACHE
ARG SCCACHE_ENDPOINT
ARG SCCACHE_BUCKET_NAME=vllm-build-sccache
ARG SCCACHE_REGION_NAME=us-west-2
# When set, sccache skips the S3 backend and uses a local disk cache instead
# (for builds without S3 credentials, e.g. a developer's local `docker build`).
ARG SCCACHE_LOCAL_ONLY=0

ENV SCCACHE_BUCKET=${USE_SCCACHE:+${SCCACHE_BUCKET_NAME}}
ENV SCCACHE_REGION=${USE_SCCACHE:+${SCCACHE_REGION_NAME}}
# Avoid port collision with vllm-build's own sccache daemon.
ENV SCCACHE_SERVER_PORT=4227

# Copy only the Rust build inputs; tools/build_rust.sh publishes artifacts needed
# by the wheel build stage.
COPY rust rust
COPY rust-toolchain.toml rust-toolchain.toml
COPY tools/build_rust.py tools/build_rust.py
COPY tools/build_rust.sh tools/build_rust.sh

# Cap cargo parallelism to avoid exhausting the CI host's open-file limit
# (rustc spawns enough concurrent processes to hit RLIMIT_NOFILE otherwise).
ENV CARGO_BUILD_JOBS=4

# Build with a stable version so this target snapshot is keyed only by Rust
# inputs. The child stage below relinks the crates that embed the exact version.
RUN --mount=type=cache,target=/root/.cargo/registry,sharing=locked \
    --mount=type=cache,target=/root/.cargo/git,sharing=locked \
    --mount=type=cache,target=/root/.cache/sccache-local,sharing=locked \
    --mount=type=secret,id=aws-credentials,target=/root/.aws/credentials,required=false \
    if [ "$USE_SCCACHE" = "1" ]; then \
        export RUSTC_WRAPPER=sccache; \
        if [ "$SCCACHE_LOCAL_ONLY" = "1" ]; then \
            unset SCCACHE_BUCKET SCCACHE_REGION; \
            export SCCACHE_DIR=/root/.cache/sccache-local SCCACHE_CACHE_SIZE=20G; \
        elif [ -n "${SCCACHE_ENDPOINT}" ]; then \
            export SCCACHE_ENDPOINT="${SCCACHE_ENDPOINT}"; \
        fi; \
        sccache --show-stats; \
    fi && \
    SETUPTOOLS_SCM_PRETEND_VERSION="0.0.0+docker.cache" bash tools/build_rust.sh && \
    if [ "$USE_SCCACHE" = "1" ]; then sccache --show-stats; fi

# tools/build_rust.sh installed rustup here via rustup.rs; put it on PATH so the
# child stage below finds it on disk instead of re-downloading it.
ENV PATH="/root/.cargo/bin:${PATH}"

# Relink with the exact Git-derived package version.
FROM rust-build-cache AS rust-build

RUN --mount=type=cache,target=/root/.cargo/registry,sharing=locked \
    --mount=type=cache,target=/root/.cargo/git,sharing=locked \
    --mount=type=bind,source=.git,target=.git \
    SETUPTOOLS_SCM_PRETEND_METADATA="{dirty=false}" bash tools/build_rust.sh

######################### SOURCE PREP IMAGE #########################
# Shared prep (source, rust artifacts, build deps) for both vllm-build and
# vllm-dev, so the two independent compiles (bdist_wheel vs. setup.py
# develop) can run concurrently instead of vllm-dev waiting on a wheel
# build it never uses.
FROM base-arch AS vllm-src

# Re-declare torch-nightly args (ARGs do not cross FROM)
ARG PYTORCH_NIGHTLY=0
ARG PYTORCH_CPU_INDEX_BASE_URL=https://download.pytorch.org/whl

ARG GIT_REPO_CHECK=0
# Support for cross-compilation with x86 ISA including AVX2 and AVX512: docker build --build-arg VLLM_CPU_X86="true" ...
ARG VLLM_CPU_X86=0
ENV VLLM_CPU_X86=${VLLM_CPU_X86}
# Support for cross-compilation with ARM BF16 ISA: docker build --build-arg VLLM_CPU_ARM_BF16="true" ...
ARG VLLM_CPU_ARM_BF16=0
ENV VLLM_CPU_ARM_BF16=${VLLM_CPU_ARM_BF16}
ARG ENABLE_AMX_FP8=1

WORKDIR /vllm-workspace

# Validate build arguments - prevent mixing incompatible ISA flags
RUN if [ "$TARGETARCH" = "arm64" ] && [ "$VLLM_CPU_X86" != "0" ]; then \
        echo "ERROR: Cannot use x86-specific ISA flags (AVX2, AVX512, etc.) when building for ARM64 (--platform=linux/arm64)"; \
        exit 1; \
    fi && \
    if [ "$TARGETARCH" = "amd64" ] && [ "$VLLM_CPU_ARM_BF16" != "0" ]; then \
        echo "ERROR: Cannot use ARM-specific ISA flags (ARM_BF16) when building for x86_64 (--platform=linux/amd64)"; \
        exit 1; \
    fi

# Copy build requirements
COPY requirements/build/cpu.txt requirements/build/cpu.txt

RUN --mount=type=cache,target=/root/.cache/uv \
    if [ "${PYTORCH_NIGHTLY}" = "1" ]; then \
        python3 /workspace/tools/use_existing_torch.py --prefix \
        && uv pip install -r requirements/build/cpu.txt \
            --extra-index-url ${PYTORCH_CPU_INDEX_BASE_URL}/nightly/cpu; \
    else \
        uv pip install -r requirements/build/cpu.txt --torch-backend cpu; \
    fi

COPY . .

# Drop the pre-built Rust artifacts into the source tree. setup.py detects
# them and ships them as-is, skipping the local Rust build.
COPY --from=rust-build /workspace/vllm/vllm-rs vllm/vllm-rs
COPY --from=rust-build /workspace/vllm/_rust_*.so vllm/

RUN if [ "$GIT_REPO_CHECK" != 0 ]; then bash tools/check_repo.sh ; fi

# For torch nightly, strip the torch/vision/audio/codec pins from the source
# tree's requirements *after* `COPY . .` (which restored the pinned files) so
# the wheel built below does not hard-pin the release torch (e.g.
# torch==2.11.0+cpu). setup.py reads requirements/cpu.txt into install_requires;
# leaving the pin makes `uv pip install dist/*.whl` unsatisfiable against the
# nightly index. The nightly torch installed in the base image satisfies the
# now-unpinned dependency. Done at the end of vllm-src so vllm-build and
# vllm-dev, which both derive from it, inherit the unpinned tree.
RUN if [ "${PYTORCH_NIGHTLY}" = "1" ]; then \
        python3 /workspace/tools/use_existing_torch.py --prefix; \
    fi

######################### BUILD IMAGE #########################
FROM vllm-src AS vllm-build

ARG USE_SCCACHE
ARG SCCACHE_ENDPOINT
ARG SCCACHE_LOCAL_ONLY=0

RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=cache,target=/root/.cache/ccache \
    --mount=type=cache,target=/root/.cache/sccache-local,sharing=locked \
    --mount=type=cache,target=/vllm-workspace/.deps,sharing=locked \
    --mount=type=secret,id=aws-credentials,target=/root/.aws/credentials,required=false \
    if [ "$USE_SCCACHE" = "1" ]; then \
        if [ "$SCCACHE_LOCAL_ONLY" = "1" ]; then \
            unset SCCACHE_BUCKET SCCACHE_REGION; \
            export SCCACHE_DIR=/root/.cache/sccache-local SCCACHE_CACHE_SIZE=20G; \
        elif [ -n "${SCCACHE_ENDPOINT}" ]; then \
            export SCCACHE_ENDPOINT="${SCCACHE_ENDPOINT}"; \
        fi; \
        sccache --show-stats; \
    fi && \
    CMAKE_ARGS="-DENABLE_AMX_FP8=${ENABLE_AMX_FP8}" \
    VLLM_TARGET_DEVICE=cpu python3 setup.py bdist_wheel --dist-dir=dist --py-limited-api=cp38 && \
    if [ "$USE_SCCACHE" = "1" ]; then sccache --show-stats; fi

######################### TEST DEPS #########################
FROM base-arch AS vllm-test-deps

# Re-declare torch-nightly args (ARGs do not cross FROM)
ARG PYTORCH_NIGHTLY=0
ARG PYTORCH_CPU_INDEX_BASE_URL=https://download.pytorch.org/whl

WORKDIR /vllm-workspace

# Test requirements are compiled from requirements/test/cuda.in into
# requirements/test/cpu.txt by the pip-compile-cpu pre-commit hook, which
# resolves CPU wheels via uv's --torch-backend cpu.
COPY requirements/test/cpu.txt requirements/test/cpu.txt

# cpu.txt is compiled for x86_64, so platform markers are resolved away. Drop
# packages unavailable on aarch64 (decord, terratorch) for arm builds. Also
# drop the generic PyPI triton pulled in transitively (via xgrammar) on x86
# builds, so it doesn't clobber the triton-cpu wheel from requirements/cpu.txt.
RUN case "$(uname -m)" in \
    aarch64|arm64) sed -i '/^decord==/d; /^terratorch==/d' requirements/test/cpu.txt ;; \
    x86_64) sed -i '/^triton==/d' requirements/test/cpu.txt ;; \
    esac

# pytrec-eval-terrier bundles pre-C23 trec_eval sources. GCC 15 defaults to C23;
# use C17 for test dependency builds without changing the vLLM compiler flags.
RUN --mount=type=cache,target=/root/.cache/uv \
    export CFLAGS="${CFLAGS:+${CFLAGS} }-std=gnu17" && \
    if [ "${PYTORCH_NIGHTLY}" = "1" ]; then \
        python3 /workspace/tools/use_existing_torch.py --prefix \
        && uv pip install -r requirements/test/cpu.txt \
            --extra-index-url ${PYTORCH_CPU_INDEX_BASE_URL}/nightly/cpu; \
    else \
        uv pip install -r requirements/test/cpu.txt --torch-backend cpu; \
    fi

######################### DEV IMAGE #########################
FROM vllm-src AS vllm-dev

# Re-declare torch-nightly args (ARGs do not cross FROM)
ARG PYTORCH_NIGHTLY=0
ARG PYTORCH_CPU_INDEX_BASE_URL=https://download.pytorch.org/whl

WORKDIR /vllm-workspace

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get install -y --no-install-recommends vim numactl clangd-14

RUN ln -s /usr/bin/clangd-14 /usr/bin/clangd

# install development dependencies (for testing)
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --no-build-isolation -e tests/vllm_test_utils

RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=cache,target=/root/.cache/ccache \
    --mount=type=bind,source=.git,target=.git \
    VLLM_TARGET_DEVICE=cpu python3 setup.py develop

COPY --from=vllm-test-deps /vllm-workspace/requirements/test/cpu.txt requirements/test/cpu.txt

# vllm-dev installs the same test dependencies in its own environment.
RUN --mount=type=cache,target=/root/.cache/uv \
    export CFLAGS="${CFLAGS:+${CFLAGS} }-std=gnu17" && \
    uv pip install -r requirements/lint.txt && \
    if [ "${PYTORCH_NIGHTLY}" = "1" ]; then \
        uv pip install -r requirements/test/cpu.txt \
            --extra-index-url ${PYTORCH_CPU_INDEX_BASE_URL}/nightly/cpu; \
    else \
        uv pip install -r requirements/test/cpu.txt --torch-backend cpu; \
    fi && \
    pre-commit install --hook-type pre-commit --hook-type commit-msg

ENTRYPOINT ["bash"]

######################### TEST IMAGE #########################
FROM vllm-test-deps AS vllm-test

WORKDIR /vllm-workspace

RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,from=vllm-build,src=/vllm-workspace/dist,target=dist \
    uv pip install dist/*.whl

ADD ./tests/ ./tests/
ADD ./examples/ ./examples/
ADD ./benchmarks/ ./benchmarks/
ADD ./vllm/collect_env.py .
ADD ./docker/ ./docker/
ADD ./.buildkite/ ./.buildkite/
# cmake/ is needed by tests/test_cmake_utils.py, which includes cmake/utils.cmake.
ADD ./cmake/ ./cmake/
# tools/ carries repo-tooling code that a few tests exercise directly
# (e.g. tests/tools/test_check_test_tethering.py imports
# tools.pre_commit.check_test_tethering).
ADD ./tools/ ./tools/
# tests/test_zentorch_version_pin.py string-matches the zentorch extra in
# setup.py against the torch pin in requirements/cpu.txt. The wheel does not
# ship either file, and this stage does not inherit the vllm-src tree.
ADD ./setup.py ./setup.py
ADD ./requirements/cpu.txt ./requirements/cpu.txt

# install development dependencies (for testing)
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install -e tests/vllm_test_utils

# enable fast downloads from hf (for testing)
ENV HF_XET_HIGH_PERFORMANCE 1

# increase timeout for hf downloads (for testing)
ENV HF_HUB_DOWNLOAD_TIMEOUT 60

######################### RELEASE IMAGE #########################
FROM base-arch AS vllm-openai

WORKDIR /vllm-workspace

RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=cache,target=/root/.cache/ccache \
    --mount=type=bind,from=vllm-build,src=/vllm-workspace/dist,target=dist \
    uv pip install "$(realpath dist/*.whl)[audio,bench,runai]"

# Add labels to document build configuration
LABEL org.opencontainers.image.title="vLLM CPU"
LABEL org.opencontainers.image.description="vLLM inference engine for CPU platforms"
LABEL org.opencontainers.image.vendor="vLLM Project"
LABEL org.opencontainers.image.source="https://github.com/vllm-project/vllm"

# Build configuration labels
ARG TARGETARCH
ARG VLLM_CPU_X86
ARG VLLM_CPU_ARM_BF16
ARG PYTHON_VERSION

LABEL ai.vllm.build.target-arch="${TARGETARCH}"
LABEL ai.vllm.build.cpu-x86="${VLLM_CPU_X86:-false}"
LABEL ai.vllm.build.cpu-arm-bf16="${VLLM_CPU_ARM_BF16:-false}"
LABEL ai.vllm.build.python-version="${PYTHON_VERSION:-3.12}"

# Copy the examples directory (including the chat/tool templates) so it is
# present in the released image, as the CUDA image ships it too. The vllm-test
# stage above adds examples/ for testing only, so without this the published
# vllm-openai-cpu image would not ship examples/*.jinja.
COPY examples examples
COPY tools/recipes tools/recipes

ENTRYPOINT ["vllm", "serve"]
