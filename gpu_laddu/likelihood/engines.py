"""Likelihood engines: where the per-call event sums of one dataset are computed.

An engine turns the specialised per-call graph ``[I, ∂I/∂p_0, ...]`` and a parameter vector
into the local (this rank's) sums

* log mode (data):    ``[Σ w·ln I, Σ w·∂I/∂p_k / I ..., n_bad]``
* linear mode (MC):   ``[Σ w·I,    Σ w·∂I/∂p_k ...,     0]``

with ``n_bad`` the number of events whose intensity is ≤ 0 or not finite (log mode; the
other sums are then meaningless and the likelihood raises).  Derivative sums are zero when
``with_gradient`` is false.  One engine per backend, chosen by :func:`make_engine`:

* ``numpy``: the reference interpreter (whole-array numpy operations) + accurate reductions;
* ``numba``: fused ``njit(nogil=True)`` kernels per graph (value + gradient, value only) run on
  the context's threads (:mod:`cpu_fallback.numba_engine`), the reference interpreter for graphs
  too large to compile in reasonable time (:class:`SizeRoutedEngine`);
* ``cupy``: one fused CUDA kernel per graph with an on-device reduction
  (:mod:`gpu_laddu.backends.cupy_backend`).

A cache that did not fit the context's memory budget (a
:class:`~gpu_laddu.backends.chunking.StreamedCache`) is summed chunk by chunk: on the CPU
backends by :class:`ChunkedEngine` (the backend's engine on views of each chunk, sums added
in float64), on a GPU by the CuPy engine itself (double-buffered transfers).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> from gpu_laddu.ir.nodes import make, param, const
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> engine = make_engine(ctx, {}, np.ones(3), ("a",))
>>> a = param("a")
>>> engine.sums([make("mul", (a, a)), make("mul", (const(2.0), a))], np.array([2.0]), False, True).tolist()
[12.0, 12.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from cpu_fallback.interpreter import Program
from gpu_laddu.backends.chunking import StreamedCache
from gpu_laddu.ir.nodes import Node, graph_fingerprint, topo_order
from gpu_laddu.likelihood.reduce import weighted_sums
from gpu_laddu.profiling import annotate


class SumsEngine(Protocol):
    """What an evaluator asks of its backend once per likelihood call."""

    def sums(self, graph: list[Node], values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """Local sums (host float64 vector of length ``len(graph) + 1``), see the module docstring."""
        ...


def real_rows(xp: Any, outputs: list[Any], n_events: int, real_dtype: Any) -> list[Any]:
    """Real parts of interpreter outputs as (n_events,) arrays (uniform scalars broadcast)."""
    rows = []
    for v in outputs:
        if isinstance(v, (int, float, complex)):
            rows.append(xp.full(n_events, float(v.real), dtype=real_dtype))
        else:
            rows.append(v.real if v.dtype.kind == "c" else v)
    return rows


class InterpreterEngine:
    """The reference engine: the NumPy interpreter over whole arrays (numpy or cupy).

    Parameters are those of :class:`cpu_fallback.numba_engine.NumbaEngine`.
    """

    def __init__(self, ctx: Any, cache: Mapping[Any, Any], weights: Any, parameters: Sequence[str]) -> None:
        self.ctx = ctx
        self.cache = cache
        self.weights = weights
        self.parameters = tuple(parameters)
        self._programs: dict[str, Program] = {}

    def sums(self, graph: list[Node], values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """Local sums (see the module docstring)."""
        outputs = list(graph) if with_gradient else list(graph[:1])
        key = graph_fingerprint(outputs)
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = Program(outputs, self.ctx)
        xp = self.ctx.xp
        n = int(self.weights.shape[0])
        with self.ctx.thread_scope(), np.errstate(all="ignore"):  # NaN/inf intensities are counted as bad
            raw = program.run(self.cache, dict(zip(self.parameters, values.tolist())), n)
            terms = real_rows(xp, raw, n, self.ctx.real_dtype)
            out = np.zeros(len(graph) + 1)
            if log:
                intensity = terms[0]
                ok = (intensity > 0) & xp.isfinite(intensity)
                n_bad = n - int(xp.count_nonzero(ok))
                if n_bad:
                    out[-1] = float(n_bad)
                    return out
                rows = xp.empty((len(terms), n), dtype=np.float64)
                rows[0] = xp.log(intensity)
                for k, g in enumerate(terms[1:], start=1):
                    rows[k] = g / intensity
            else:
                rows = xp.stack(terms) if len(terms) > 1 else terms[0][None, :]
            with annotate("reduce"):
                out[: len(terms)] = weighted_sums(xp, rows, self.weights)
        return out


class ChunkedEngine:
    """Sums over a streamed cache on a CPU backend: that backend's engine on each chunk, added.

    Parameters are those of :class:`InterpreterEngine`, with ``cache`` a
    :class:`~gpu_laddu.backends.chunking.StreamedCache` (its chunks are views: nothing is copied).

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> from gpu_laddu.backends.chunking import ChunkPlan, StreamedCache
    >>> from gpu_laddu.ir.nodes import make, param
    >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    >>> cache = StreamedCache(ChunkPlan(5, 8, True, 2, 2), {}, np.empty, np.asarray, on_host=True)
    >>> a = param("a")
    >>> ChunkedEngine(ctx, cache, np.ones(5), ("a",)).sums([make("mul", (a, a)), make("add", (a, a))],
    ...                                                     np.array([2.0]), False, True).tolist()
    [20.0, 20.0, 0.0]
    """

    def __init__(self, ctx: Any, cache: StreamedCache, weights: Any, parameters: Sequence[str]) -> None:
        self.engines = [_host_engine(ctx, cache.view(lo, hi), weights[lo:hi], parameters)
                        for lo, hi in cache.plan.bounds()]

    def sums(self, graph: list[Node], values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """Local sums (see the module docstring)."""
        total = np.zeros(len(graph) + 1)
        for engine in self.engines:
            total += engine.sums(graph, values, log, with_gradient)
        return total


MAX_NUMBA_NODES = 500
"""Value graphs with more nodes are summed by the interpreter on the numba backend: LLVM's compile time
grows faster than linearly with the kernel (about 10 s at 100 nodes, 80 s at 400 on two busy cores), while
the interpreter costs one whole-array operation per node and call."""


class SizeRoutedEngine:
    """The numba backend's engine: a fused Numba kernel per graph, the interpreter for graphs of more than
    :data:`MAX_NUMBA_NODES` nodes (thousands of amplitudes), whose kernel would take minutes to compile.

    Parameters are those of :class:`InterpreterEngine`.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> from gpu_laddu.ir.nodes import make, param
    >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    >>> a = param("a")
    >>> engine = SizeRoutedEngine(ctx, {}, np.ones(3), ("a",))
    >>> engine.sums([make("mul", (a, a))], np.array([2.0]), False, False).tolist()
    [12.0, 0.0]
    """

    def __init__(self, ctx: Any, cache: Mapping[Any, Any], weights: Any, parameters: Sequence[str]) -> None:
        self.args = (ctx, cache, weights, parameters)
        self._engines: dict[bool, SumsEngine] = {}
        self._large: dict[Node, bool] = {}

    def sums(self, graph: list[Node], values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """Local sums (see the module docstring)."""
        large = self._large.get(graph[0])
        if large is None:
            large = self._large[graph[0]] = len(topo_order(graph[:1])) > MAX_NUMBA_NODES
        engine = self._engines.get(large)
        if engine is None:
            if large or self.args[0].backend != "numba":
                engine = InterpreterEngine(*self.args)
            else:
                from cpu_fallback.numba_engine import NumbaEngine

                engine = NumbaEngine(*self.args)
            self._engines[large] = engine
        return engine.sums(graph, values, log, with_gradient)


def _host_engine(ctx: Any, cache: Mapping[Any, Any], weights: Any, parameters: Sequence[str]) -> SumsEngine:
    if ctx.backend == "numba":
        return SizeRoutedEngine(ctx, cache, weights, parameters)
    return InterpreterEngine(ctx, cache, weights, parameters)


def make_engine(ctx: Any, cache: Mapping[Any, Any], weights: Any, parameters: Sequence[str]) -> SumsEngine:
    """The engine of ``ctx.backend`` for one dataset's cache columns (resident or streamed) and weights."""
    if ctx.backend == "cupy":
        from gpu_laddu.backends.cupy_backend import CupyEngine

        return CupyEngine(ctx, cache, weights, parameters)
    if isinstance(cache, StreamedCache):
        return ChunkedEngine(ctx, cache, weights, parameters)
    return _host_engine(ctx, cache, weights, parameters)
