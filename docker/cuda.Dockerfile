# GPU image for cluster runs: CUDA 13.0 runtime, CuPy with NVRTC, cuBLAS, cuSOLVER, nvJitLink and NCCL,
# MPICH (from the mpich wheel), numba, uproot and gpu_laddu.  Needs an NVIDIA driver >= 580 (CUDA 13.0)
# on the host.  Build from the repository root:  docker build -f docker/cuda.Dockerfile -t gpu_laddu:cuda .
# The same content for Apptainer: docker/gpu_laddu_cuda.def.
FROM nvidia/cuda:13.0.1-runtime-ubuntu24.04

LABEL org.opencontainers.image.title="gpu_laddu (CUDA 13.0)" \
      org.opencontainers.image.description="gpu_laddu with CuPy, MPICH and uproot; NVIDIA driver >= 580" \
      gpu_laddu.minimum_nvidia_driver="580"

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

COPY docker/entrypoint.sh /usr/local/bin/gpu-laddu-entrypoint

WORKDIR /work
# `docker run IMAGE info` runs gpu-laddu; `docker run IMAGE mpiexec -n 4 python fit.py` runs as given
ENTRYPOINT ["gpu-laddu-entrypoint"]
CMD ["info"]
