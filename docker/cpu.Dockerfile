# CPU image: NumPy/Numba backends and MPICH, for laptops, CI-like runs and CPU clusters.
# Build from the repository root:  docker build -f docker/cpu.Dockerfile -t gpu_laddu:cpu .
FROM python:3.11-slim

ENV VIRTUAL_ENV=/opt/gpu_laddu
ENV PATH="/opt/gpu_laddu/bin:${PATH}"
RUN python -m venv /opt/gpu_laddu

WORKDIR /src
COPY pyproject.toml README.md ./
COPY gpu_laddu ./gpu_laddu
COPY cpu_fallback ./cpu_fallback
COPY docker/requirements-cpu.txt ./docker/
RUN pip install --no-cache-dir -r docker/requirements-cpu.txt \
    && pip install --no-cache-dir --no-deps .

COPY docker/entrypoint.sh /usr/local/bin/gpu-laddu-entrypoint

WORKDIR /work
# `docker run IMAGE info` runs gpu-laddu; `docker run IMAGE mpiexec -n 4 python fit.py` runs as given
ENTRYPOINT ["gpu-laddu-entrypoint"]
CMD ["info"]
