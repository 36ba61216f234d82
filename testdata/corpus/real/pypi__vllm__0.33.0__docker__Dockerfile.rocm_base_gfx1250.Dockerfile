ARG BASE_IMAGE=ubuntu:24.04
ARG ROCM_WHEEL_INDEX=https://rocm.nightlies.amd.com/whl-multi-arch/
ARG ROCM_SDK_VERSION=10.1.0a20260822
ARG TORCH_VERSION=2.11.0+rocm10.1.0a20260822
ARG TORCHVISION_VERSION=0.26.0+rocm10.1.0a20260822
ARG TORCHAUDIO_VERSION=2.11.0+rocm10.1.0a20260822
ARG TRITON_VERSION=3.8.0+git4cff872c.rocm10.1.0a20260822
ARG APEX_VERSION=1.11.0+rocm10.1.0a20260822


ARG FA_BRANCH="jpvillam/gfx1250_wip"
ARG FA_REPO="https://github.com/jpvillam-amd/flash-attention.git"
ARG AITER_BRANCH="f85b24b"
ARG AITER_REPO="https://github.com/ROCm/aiter.git"
ARG MORI_BRANCH="v1.1.0"
ARG MORI_REPO="https://github.com/ROCm/mori.git"

# Sccache configuration (only used in release pipeline)
ARG USE_SCCACHE
ARG SCCACHE_DOWNLOAD_URL
ARG SCCACHE_ENDPOINT
ARG SCCACHE_BUCKET_NAME=vllm-build-sccache
ARG SCCACHE_REGION_NAME=us-west-2
ARG SCCACHE_S3_NO_CREDENTIALS=0

FROM ${BASE_IMAGE} AS base

ARG PYTORCH_ROCM_ARCH=gfx1250
ENV PYTORCH_ROCM_ARCH=${PYTORCH_ROCM_ARCH}
ENV AITER_ROCM_ARCH=${PYTORCH_ROCM_ARCH}
ENV MORI_GPU_ARCHS=gfx942;gfx950
ENV FA_GPU_ARCHS=gfx942;gfx950;gfx1250

# TODO: Unset these when support is available for gfx1250
ENV ENABLE_CK=0
ENV SKIP_CK_BUILD="TRUE"
ENV FLASH_ATTENTION_TRITON_AMD_ENABLE="TRUE"
ARG PREBUILD_KERNELS=0
ARG TRITON_KERNEL_BRANCH="padroute"
ARG TRITON_KERNEL_REPO="https://github.com/jpvillam-amd/triton.git"

# Required for RCCL in ROCm7.1
ENV HSA_NO_SCRATCH_RECLAIM=1

ARG PYTHON_VERSION=3.12
ENV PYTHON_VERSION=${PYTHON_VERSION}

RUN mkdir -p /app
WORKDIR /app
ENV DEBIAN_FRONTEND=noninteractive

# Install Python and other dependencies
RUN apt-get update -y \
    && apt-get install -y software-properties-common git curl sudo vim less libgfortran5 libopenmpi-dev libpci-dev liblzma-dev libnuma-dev libdrm-dev pkg-config g++ \
    && for i in 1 2 3; do \
    add-apt-repository -y ppa:deadsnakes/ppa && break || \
    { echo "Attempt $i failed, retrying in 5s..."; sleep 5; }; \
    done \
    && apt-get update -y \
    && apt-get install -y python${PYTHON_VERSION} python${PYTHON_VERSION}-dev python${PYTHON_VERSION}-venv \
    python${PYTHON_VERSION}-lib2to3 python-is-python3  \
    && update-alternatives --install /usr/bin/python3 python3 /usr/bin/python${PYTHON_VERSION} 1 \
    && update-alternatives --set python3 /usr/bin/python${PYTHON_VERSION} \
    && ln -sf /usr/bin/python${PYTHON_VERSION}-config /usr/bin/python3-config \
    && python3 --version

ENV VIRTUAL_ENV=/opt/venv
RUN python${PYTHON_VERSION} -m venv "${VIRTUAL_ENV}" && \
    "${VIRTUAL_ENV}/bin/python" -m pip install --upgrade pip setuptools PyYAML
ENV PATH=${VIRTUAL_ENV}/bin:$PATH

RUN pip install -U packaging 'cmake<4' ninja wheel 'setuptools<80' pybind11 Cython
RUN apt-get update && apt-get install -y libjpeg-dev libsox-dev libsox-fmt-all sox && rm -rf /var/lib/apt/lists/*

# Install sccache if USE_SCCACHE is enabled (for release builds)
ARG USE_SCCACHE
ARG SCCACHE_DOWNLOAD_URL
ARG SCCACHE_ENDPOINT
ARG SCCACHE_BUCKET_NAME
ARG SCCACHE_REGION_NAME
ARG SCCACHE_S3_NO_CREDENTIALS
RUN if [ "$USE_SCCACHE" = "1" ]; then \
    echo "Installing sccache..." \
    && SCCACHE_ARCH="x86_64" \
    && SCCACHE_VERSION="v0.8.1" \
    && SCCACHE_DL_URL="${SCCACHE_DOWNLOAD_URL:-https://github.com/mozilla/sccache/releases/download/${SCCACHE_VERSION}/sccache-${SCCACHE_VERSION}-${SCCACHE_ARCH}-unknown-linux-musl.tar.gz}" \
    && curl -L -o /tmp/sccache.tar.gz ${SCCACHE_DL_URL} \
    && tar -xzf /tmp/sccache.tar.gz -C /tmp \
    && mv /tmp/sccache-${SCCACHE_VERSION}-${SCCACHE_ARCH}-unknown-linux-musl/sccache /usr/bin/sccache \
    && chmod +x /usr/bin/sccache \
    && rm -rf /tmp/sccache.tar.gz /tmp/sccache-${SCCACHE_VERSION}-${SCCACHE_ARCH}-unknown-linux-musl \
    && sccache --version; \
    fi

##
## Install PyTorch w/ Triton + ROCM_SDK from ROCM wheel index
##
ARG ROCM_WHEEL_INDEX
ARG TORCH_VERSION
ARG TORCHVISION_VERSION
ARG TORCHAUDIO_VERSION
ARG ROCM_SDK_VERSION
ARG APEX_VERSION
ENV SITE_PACKAGES=${VIRTUAL_ENV}/lib/python${PYTHON_VERSION}/site-packages
ENV ROCM_PATH=${SITE_PACKAGES}/_rocm_sdk_devel
ENV ROCM_HOME=${ROCM_PATH}
ENV ROCM_SOURCE_DIR=${ROCM_PATH}
ENV ROCM_BIN=${ROCM_PATH}/bin
ENV ROCM_CMAKE_PREFIX=${ROCM_PATH}/lib/cmake
ENV HIP_DEVICE_LIB_PATH=${SITE_PACKAGES}/_rocm_sdk_core/lib/llvm/amdgcn/bitcode
ENV PATH=${ROCM_PATH}/bin:${ROCM_PATH}/llvm/bin:$PATH
ENV LD_LIBRARY_PATH=${ROCM_PATH}/lib:${SITE_PACKAGES}/_rocm_sdk_core/lib
ENV CMAKE_PREFIX_PATH=${ROCM_PATH}/lib/cmake:${SITE_PACKAGES}/torch/share/cmake
ENV PYTHONPATH=${SITE_PACKAGES}/_rocm_sdk_core/share/amd_smi

# torch/torchvision/torchaudio must be pinned to mutually-consistent builds
# (same +rocm... suffix) or the C++ ops break at import (ABI skew). The rocm
# sdk version is derived from torch's own dependency pin unless overridden,
# which keeps the set consistent and avoids pip backtracking.
RUN pip install --pre --index-url "${ROCM_WHEEL_INDEX}" \
    --extra-index-url https://pypi.org/simple \
    "torch[device-gfx1250]==${TORCH_VERSION}" \
    "torchvision==${TORCHVISION_VERSION}" \
    "torchaudio==${TORCHAUDIO_VERSION}" \
    "rocm[libraries,devel,device-gfx1250]==${ROCM_SDK_VERSION}" && \
    rocm-sdk init
 
# Torch runtime deps that may not be published on the ROCm wheel index;
# install them from PyPI afterwards.
RUN pip install filelock "typing-extensions>=4.10.0" "sympy>=1.13.3" \
    "networkx>=2.5.1" jinja2 "fsspec>=0.8.5"



# Expose the rocm-sdk wheel as a conventional /opt/rocm install so downstream
# builds (Dockerfile.rocm: vLLM csrc, RIXL/UCX, ROCShmem/DeepEP) keep working.
RUN ln -sfn "${ROCM_PATH}" /opt/rocm;  

RUN if [ -f "${SITE_PACKAGES}/rocm_sdk/__init__.py" ]; then \
    sed -i 's/rtld_global: bool = True/rtld_global: bool = False/g' \
    "${SITE_PACKAGES}/rocm_sdk/__init__.py"; \
    fi

# The ROCm SDK wheel ships a broken CMake export for hsakmt
# This patch includes the right paths for the numa build target
RUN <<'EOF'
set -eu
TARGETS="/opt/rocm/lib/cmake/hsakmt/hsakmtTargets.cmake"
[ -f "$TARGETS" ] || exit 0            # nothing to patch
grep -q NUMA_LIBRARY "$TARGETS" && exit 0   # already patched

# 1. Point libdrm's -L at the copy bundled in the wheel, not the builder path.
sed -i 's|-L/__w/[^;"]*|-L${_IMPORT_PREFIX}/lib/rocm_sysdeps/lib|g' "$TARGETS"

# 2. Drop the nonexistent RHEL libc path (libc is linked implicitly anyway).
sed -i 's|/usr/lib64/libc.so;||g' "$TARGETS"

# 3. Define the numa::numa target the export references but forgot to create.
cat >> "$TARGETS" <<'CMAKE'

if(NOT TARGET numa::numa)
  find_library(NUMA_LIBRARY NAMES numa REQUIRED)
  add_library(numa::numa UNKNOWN IMPORTED)
  set_target_properties(numa::numa PROPERTIES IMPORTED_LOCATION "${NUMA_LIBRARY}")
endif()
CMAKE
EOF

# Clone custom triton_kernels for install later
RUN mkdir -p /app/patched_triton_kernels; \
    cd /app/patched_triton_kernels \
    && git clone ${TRITON_KERNEL_REPO} \
    && cd triton \
    && git checkout ${TRITON_KERNEL_BRANCH} \
    && git submodule update --init --recursive
ENV TRITON_KERNELS_SRC_DIR="/app/patched_triton_kernels/triton/python/triton_kernels/triton_kernels/"


# Setup sccache for HIP compilation via HIP_CLANG_PATH
# This creates wrapper scripts in a separate directory and points HIP to use them
# This avoids modifying the original ROCm binaries which can break detection
# NOTE: HIP_CLANG_PATH is NOT set as ENV to avoid affecting downstream images (Dockerfile.rocm)
# Instead, each build stage should export HIP_CLANG_PATH=/opt/sccache-wrappers if USE_SCCACHE=1
RUN if [ "$USE_SCCACHE" = "1" ]; then \
    echo "Setting up sccache wrappers for HIP compilation..." \
    && mkdir -p /opt/sccache-wrappers \
    && printf '#!/bin/bash\nexec sccache ${ROCM_PATH}/lib/llvm/bin/clang++ "$@"\n' > /opt/sccache-wrappers/clang++ \
    && chmod +x /opt/sccache-wrappers/clang++ \
    && printf '#!/bin/bash\nexec sccache ${ROCM_PATH}/lib/llvm/bin/clang "$@"\n' > /opt/sccache-wrappers/clang \
    && chmod +x /opt/sccache-wrappers/clang \
    && echo "sccache wrappers created in /opt/sccache-wrappers"; \
    fi

# Set sccache environment variables only when USE_SCCACHE=1
# This prevents S3 config from leaking into images when sccache is not used
ARG USE_SCCACHE
ENV SCCACHE_BUCKET=${USE_SCCACHE:+${SCCACHE_BUCKET_NAME}}
ENV SCCACHE_REGION=${USE_SCCACHE:+${SCCACHE_REGION_NAME}}
ENV SCCACHE_S3_NO_CREDENTIALS=${USE_SCCACHE:+${SCCACHE_S3_NO_CREDENTIALS}}
ENV SCCACHE_IDLE_TIMEOUT=${USE_SCCACHE:+0}


###
### MORI Build TODO(Build needs fixing)
###
FROM base AS build_mori
ARG MORI_BRANCH
ARG MORI_REPO
ARG MORI_GPU_ARCHS
RUN mkdir -p /app/install; \
    git clone ${MORI_REPO} \
    && cd mori \
    && git checkout ${MORI_BRANCH} \
    && git submodule update --init --recursive \
    && python3 setup.py bdist_wheel --dist-dir=dist && ls /app/mori/dist/*.whl \
    && cp /app/mori/dist/*.whl /app/install;


###
### FlashAttention Build
###
# Remove  && git submodule update --init \ for CK
FROM base AS build_fa
ARG FA_BRANCH
ARG FA_REPO
ARG USE_SCCACHE
RUN mkdir -p /app/install; \
    git clone ${FA_REPO} \
    && cd flash-attention \
    && git checkout ${FA_BRANCH} \
    && if [ "$USE_SCCACHE" = "1" ]; then \
    export HIP_CLANG_PATH=/opt/sccache-wrappers \
    && sccache --show-stats; \
    fi \
    && GPU_ARCHS=$(echo ${FA_GPU_ARCHS} | sed -e 's/;gfx1[0-9]\{3\}//g') python3 setup.py bdist_wheel --dist-dir=dist \
    && if [ "$USE_SCCACHE" = "1" ]; then sccache --show-stats; fi \
    && cp dist/*.whl /app/install;


###
### AITER Build
###
FROM base AS build_aiter
ARG AITER_BRANCH
ARG AITER_REPO
ARG USE_SCCACHE

RUN git clone ${AITER_REPO} \
    && cd aiter \
    && git checkout --detach ${AITER_BRANCH}
RUN cd aiter \
    && git submodule update --init --recursive \
    && pip install -r requirements.txt
RUN pip install pyyaml && cd aiter \
    && if [ "$USE_SCCACHE" = "1" ]; then \
    export HIP_CLANG_PATH=/opt/sccache-wrappers \
    && sccache --show-stats; \
    fi \
    && AITER_USE_SYSTEM_TRITON=1 PREBUILD_KERNELS=${PREBUILD_KERNELS} GPU_ARCHS=${AITER_ROCM_ARCH} python3 setup.py bdist_wheel --dist-dir=dist \
    && if [ "$USE_SCCACHE" = "1" ]; then sccache --show-stats; fi \
    && ls /app/aiter/dist/*.whl
RUN mkdir -p /app/install && cp /app/aiter/dist/*.whl /app/install


###
### Final Build
###

# Wheel release stage - 
# only includes dependencies used by wheel release pipeline
FROM base AS debs_wheel_release
RUN mkdir /app/debs
RUN --mount=type=bind,from=build_fa,src=/app/install/,target=/install \
    if ls /install/*.whl >/dev/null 2>&1; then cp /install/*.whl /app/debs; fi
RUN --mount=type=bind,from=build_aiter,src=/app/install/,target=/install \
    cp /install/*.whl /app/debs

# Full debs stage - includes Mori (used by Docker releases)
FROM base AS debs
RUN mkdir /app/debs
RUN --mount=type=bind,from=build_fa,src=/app/install/,target=/install \
    if ls /install/*.whl >/dev/null 2>&1; then cp /install/*.whl /app/debs; fi
RUN --mount=type=bind,from=build_aiter,src=/app/install/,target=/install \
    cp /install/*.whl /app/debs
RUN --mount=type=bind,from=build_mori,src=/app/install/,target=/install \
    if ls /install/*.whl >/dev/null 2>&1; then cp /install/*.whl /app/debs; fi

FROM base AS final
RUN --mount=type=bind,from=debs,src=/app/debs,target=/install \
    pip install /install/*.whl

ARG BASE_IMAGE
ARG ROCM_WHEEL_INDEX
ARG ROCM_SDK_VERSION
ARG TORCH_VERSION
ARG TORCHVISION_VERSION
ARG TORCHAUDIO_VERSION
ARG FA_BRANCH
ARG FA_REPO
ARG AITER_BRANCH
ARG AITER_REPO
ARG MORI_BRANCH
ARG MORI_REPO
RUN echo "BASE_IMAGE: ${BASE_IMAGE}" > /app/versions.txt \
    && echo "ROCM_WHEEL_INDEX: ${ROCM_WHEEL_INDEX}" >> /app/versions.txt \
    && echo "ROCM_SDK_VERSION: ${ROCM_SDK_VERSION}" >> /app/versions.txt \
    && echo "TORCH_VERSION: ${TORCH_VERSION}" >> /app/versions.txt \
    && echo "TORCHVISION_VERSION: ${TORCHVISION_VERSION}" >> /app/versions.txt \
    && echo "TORCHAUDIO_VERSION: ${TORCHAUDIO_VERSION}" >> /app/versions.txt \
    && echo "FA_BRANCH: ${FA_BRANCH}" >> /app/versions.txt \
    && echo "FA_REPO: ${FA_REPO}" >> /app/versions.txt \
    && echo "AITER_BRANCH: ${AITER_BRANCH}" >> /app/versions.txt \
    && echo "AITER_REPO: ${AITER_REPO}" >> /app/versions.txt \
    && echo "MORI_BRANCH: ${MORI_BRANCH}" >> /app/versions.txt \
    && echo "MORI_REPO: ${MORI_REPO}" >> /app/versions.txt
