# GPU image for cluster runs: CUDA 13 runtime + NVRTC, MPICH (from the mpich wheel), gpu_laddu with cupy and numba.
# Build from the repository root:  docker build -f docker/cuda.Dockerfile -t gpu_laddu:cuda .
FROM nvidia/cuda:13.0.1-runtime-ubuntu24.04

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
    && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/gpu_laddu
ENV PATH="/opt/gpu_laddu/bin:${PATH}"
RUN python3 -m venv /opt/gpu_laddu

WORKDIR /src
COPY pyproject.toml README.md ./
COPY gpu_laddu ./gpu_laddu
COPY cpu_fallback ./cpu_fallback
COPY docker/requirements-cpu.txt docker/requirements-cuda.txt ./docker/
RUN pip install --no-cache-dir -r docker/requirements-cuda.txt \
    && pip install --no-cache-dir --no-deps .

WORKDIR /work
ENTRYPOINT ["gpu-laddu"]
CMD ["info"]
