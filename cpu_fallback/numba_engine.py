"""The Numba likelihood engine: fused kernels compiled once per graph, cached in memory and on disk.

Each per-call graph (one per activation mask) gets one ``njit(parallel=True)`` kernel from
:mod:`cpu_fallback.numba_codegen`.  Kernels are cached at two levels:

* **in memory**, process-wide, keyed by ``(plan key, precision)`` where the plan key hashes
  the graph fingerprint (which already reflects fixed parameters and the activation mask)
  and the parameter order: a repeated load of the same model compiles nothing;
* **on disk**: the generated source is written to ``<cache dir>/<name>_<sha16>.py`` (the
  file name is a hash of the text, so a file is never rewritten) and imported, so that
  Numba's ``cache=True`` (which needs a real source file) keeps the machine code in that
  folder's ``__pycache__``.  The cache dir is ``$GPU_LADDU_CACHE_DIR/numba``, else
  ``$XDG_CACHE_HOME/gpu_laddu/numba`` or ``~/.cache/gpu_laddu/numba``.

:func:`kernel_stats` counts kernels compiled, loaded from the disk cache, and found in memory.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> from gpu_laddu.ir.nodes import make, param, const
>>> ctx = gl.ExecutionContext(device="cpu", backend="numba")
>>> engine = NumbaEngine(ctx, {}, np.ones(3), ("a",))
>>> a = param("a")
>>> engine.sums([make("mul", (a, a)), make("mul", (const(2.0), a))], np.array([2.0]), False, True).tolist()
[12.0, 12.0, 0.0]
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cpu_fallback.numba_codegen import CHUNK, emit_numba
from gpu_laddu.codegen.chain import Chain, chain_rule, finish_sums
from gpu_laddu.codegen.plan import KernelPlan, make_plan
from gpu_laddu.ir.nodes import Node

CACHE_ENV = "GPU_LADDU_CACHE_DIR"
_MODULE_PREFIX = "gpu_laddu_kernel_"
_KERNELS: dict[tuple[str, str], Any] = {}
_STATS = {"compiled": 0, "loaded_from_disk": 0, "memory_hits": 0}
_LOCK = threading.Lock()


def kernel_stats() -> dict[str, int]:
    """Counts of Numba kernels compiled, loaded from the disk cache, and reused from memory.

    >>> sorted(kernel_stats())
    ['compiled', 'loaded_from_disk', 'memory_hits']
    """
    return dict(_STATS)


def cache_dir() -> Path:
    """The folder of generated kernel modules (created on first use)."""
    root = os.environ.get(CACHE_ENV)
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "gpu_laddu"
    path = base / "numba"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: a per-user temporary folder still caches within a session
        path = Path(tempfile.gettempdir()) / f"gpu_laddu-{os.getuid() if hasattr(os, 'getuid') else 0}" / "numba"
        path.mkdir(parents=True, exist_ok=True)
    return path


def _write_once(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` unless it exists (atomic; never rewrites, keeping Numba's cache valid)."""
    if path.exists():
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError:
        os.replace(tmp, path)
        return
    tmp.unlink()


def load_kernel(source: str, name: str) -> Any:
    """The compiled kernel ``name`` defined by ``source`` (imported from the disk cache folder)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = cache_dir() / f"{name}_{digest}.py"
    _write_once(path, source)
    module_name = f"{_MODULE_PREFIX}{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the generated kernel module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # Numba's disk cache re-imports the module by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    kernel = getattr(module, name)
    hits = sum(kernel.stats.cache_hits.values())
    _STATS["loaded_from_disk" if hits else "compiled"] += 1
    return kernel


def get_kernel(plan: KernelPlan, precision: str) -> Any:
    """The kernel of ``plan`` at ``precision``, from memory, disk, or freshly compiled."""
    key = (plan.key, precision)
    with _LOCK:
        kernel = _KERNELS.get(key)
        if kernel is not None:
            _STATS["memory_hits"] += 1
            return kernel
        kernel = load_kernel(emit_numba(plan, precision), plan.name)
        _KERNELS[key] = kernel
        return kernel


@dataclass
class _Bound:
    kernel: Any
    chain: Chain
    columns: tuple[Any, ...]
    partial: np.ndarray


class NumbaEngine:
    """Likelihood sums of one dataset's cache with fused Numba kernels.

    Parameters
    ----------
    ctx : ExecutionContext
        A ``numba`` context (sets the thread count and the precision).
    cache : mapping
        Column-source key → cache array (the evaluator's cache).
    weights : numpy array
        Event weights (float64).
    parameters : sequence of str
        Free parameter names, in the order of the parameter vector.
    """

    def __init__(self, ctx: Any, cache: Mapping[Any, Any], weights: Any, parameters: Sequence[str]) -> None:
        self.ctx = ctx
        self.cache = cache
        # writable: the compiled kernels take mutable arrays, and zero-copy Parquet columns are read-only
        self.weights = np.require(weights, np.float64, ["C", "W"])
        self.parameters = tuple(parameters)
        self._bound: dict[Node, _Bound] = {}

    def _bind(self, graph: list[Node]) -> _Bound:
        bound = self._bound.get(graph[0])  # the kernel depends on the value node only
        if bound is None:
            plan = make_plan(graph[0], self.parameters)
            kernel = get_kernel(plan, self.ctx.precision)
            columns = tuple(np.ascontiguousarray(self.cache[c.attrs[0].key]) for c in plan.columns)
            n_chunks = -(-int(self.weights.shape[0]) // CHUNK)
            bound = _Bound(kernel, chain_rule(plan), columns, np.zeros((n_chunks, plan.n_out)))
            self._bound[graph[0]] = bound
        return bound

    def sums(self, graph: list[Node], values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """Local ``[Σ w·f(I), Σ w·g(∂I) per parameter..., n_bad]`` (see :func:`emit_numba`)."""
        bound = self._bind(graph)
        values = np.ascontiguousarray(values, dtype=np.float64)
        with self.ctx.thread_scope():
            bound.kernel(values, self.weights, *bound.columns, int(log), int(with_gradient), bound.partial)
        return finish_sums(bound.chain, values, bound.partial.sum(axis=0), with_gradient)
