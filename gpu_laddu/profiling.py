"""NVTX ranges around the library's phases: load, precompute, evaluate, reduce and communicate.

``annotate(name)`` opens the range ``gpu_laddu:<name>`` (domain ``gpu_laddu``) for an
Nsight Systems timeline.  Ranges go through the ``nvtx`` package when it is installed, else
through CuPy's NVTX binding when cupy is loaded (a GPU context loads it) and has one;
otherwise they are no-ops.  A range costs about a microsecond, and nothing more when no
profiler is attached.  Where they are:

* ``load`` — every host→device column copy (:meth:`gpu_laddu.ExecutionContext.asarray`);
* ``precompute`` — the cache columns of a model on a dataset, and normalisation integrals;
* ``evaluate`` — per-event values and per-call likelihood sums;
* ``reduce`` — the reduction of per-event terms to the sums (on a GPU: the wait for the
  on-device reduction and the copy of its few doubles to the host);
* ``communicate`` — the all-reduce of the sums across ranks.

>>> with annotate("evaluate"):
...     pass
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

DOMAIN = "gpu_laddu"

Opener = Callable[[str], Any]


class _Binding:
    """The NVTX binding in use, looked up at first use (and once more after cupy is loaded)."""

    name = "none"
    opener: Opener | None = None
    resolved = False
    saw_cupy = False


def range_backend() -> str:
    """Which NVTX binding :func:`annotate` uses: ``"nvtx"``, ``"cupy"`` or ``"none"``.

    >>> range_backend() in ("nvtx", "cupy", "none")
    True
    """
    _resolve()
    return _Binding.name


def _resolve() -> Opener | None:
    if _Binding.resolved and (_Binding.opener is not None or _Binding.saw_cupy or "cupy" not in sys.modules):
        return _Binding.opener
    _Binding.resolved, _Binding.saw_cupy = True, "cupy" in sys.modules
    try:
        nvtx = importlib.import_module("nvtx")
    except ImportError:
        _Binding.opener = _cupy_opener() if _Binding.saw_cupy else None
        _Binding.name = "none" if _Binding.opener is None else "cupy"
    else:
        _Binding.opener = lambda label: nvtx.annotate(label, domain=DOMAIN)
        _Binding.name = "nvtx"
    return _Binding.opener


def _cupy_opener() -> Opener | None:
    try:
        from cupy.cuda import nvtx
    except ImportError:
        return None
    if not getattr(nvtx, "available", False):
        return None

    @contextlib.contextmanager
    def opener(label: str) -> Iterator[None]:
        nvtx.RangePush(label)
        try:
            yield
        finally:
            nvtx.RangePop()

    return opener


@contextlib.contextmanager
def annotate(name: str) -> Iterator[None]:
    """An NVTX range named ``gpu_laddu:<name>`` (a no-op without an NVTX binding)."""
    opener = _resolve()
    if opener is None:
        yield
        return
    with opener(f"{DOMAIN}:{name}"):
        yield
