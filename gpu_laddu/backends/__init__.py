"""Array backends (numpy reference, numba fused CPU kernels, cupy on CUDA GPUs), loaded lazily."""

from gpu_laddu.backends.base import Backend, HostBackend
from gpu_laddu.backends.registry import BACKEND_NAMES, backend_available, cuda_available, load_backend

__all__ = ["BACKEND_NAMES", "Backend", "HostBackend", "backend_available", "cuda_available", "load_backend"]
