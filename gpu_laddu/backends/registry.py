"""Lazy registry of array backends.

Backends are imported only when asked for, so ``import gpu_laddu`` loads no cupy or numba.
A missing dependency is reported with the pip extra that provides it.

Examples
--------
>>> from gpu_laddu.backends.registry import load_backend
>>> load_backend("numpy").name
'numpy'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from gpu_laddu.backends.base import Backend, HostBackend
from gpu_laddu.errors import BackendUnavailableError, ContextError

#: backend name -> (module path, factory attribute, pip extra that brings its dependency)
_LOADERS: dict[str, tuple[str, str, str]] = {
    "numpy": ("gpu_laddu.backends.base", "HostBackend", ""),
    "numba": ("cpu_fallback.numba_backend", "NumbaBackend", "numba"),
    "cupy": ("gpu_laddu.backends.cupy_backend", "CupyBackend", "cuda"),
}

_CACHE: dict[str, Backend] = {}

BACKEND_NAMES = tuple(_LOADERS)


def load_backend(name: str) -> Backend:
    """Return the (process-wide, stateless) backend object called ``name``."""
    if name not in _LOADERS:
        raise ContextError(f"unknown backend {name!r}; choose one of {', '.join(_LOADERS)}")
    if name in _CACHE:
        return _CACHE[name]
    module_name, attr, extra = _LOADERS[name]
    try:
        module = importlib.import_module(module_name)
        factory: Callable[[], Backend] = getattr(module, attr)
        backend = factory()
    except ImportError as exc:
        raise BackendUnavailableError(
            f"backend {name!r} needs {exc.name or 'a missing package'}: "
            f"install it with `pip install gpu_laddu[{extra}]`"
        ) from exc
    _CACHE[name] = backend
    return backend


def backend_available(name: str) -> bool:
    """True when ``load_backend(name)`` would succeed (and, for cupy, a GPU is usable)."""
    if name == "cupy":
        return cuda_available()
    try:
        load_backend(name)
    except BackendUnavailableError:
        return False
    return True


def cuda_available() -> bool:
    """True when cupy imports and reports at least one usable CUDA device."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError:
        return False
    try:
        return bool(cupy.is_available())
    except Exception:  # a broken driver counts as "no GPU"
        return False


__all__ = ["BACKEND_NAMES", "HostBackend", "backend_available", "cuda_available", "load_backend"]
