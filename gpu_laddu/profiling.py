"""NVTX ranges around load, precompute, evaluate, reduce and communicate.

They cost about a microsecond and are no-ops without the ``nvtx`` package or a profiler.

>>> with annotate("evaluate"):
...     pass
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

try:
    import nvtx as _nvtx
except ImportError:  # pragma: no cover - nvtx is optional
    _nvtx = None


@contextlib.contextmanager
def annotate(name: str) -> Iterator[None]:
    """An NVTX range named ``gpu_laddu:<name>`` (domain ``gpu_laddu``)."""
    if _nvtx is None:
        yield
        return
    with _nvtx.annotate(f"gpu_laddu:{name}", domain="gpu_laddu"):
        yield
