"""Evaluator: a model bound to one dataset, reading only its cache columns per call.

At load the evaluator compiles the model (:func:`gpu_laddu.passes.standard.build_call_graph`:
fixed parameters folded, value and one analytic derivative per free parameter, CSE and
folding to a fixed point), places the cache by the context's memory budget
(:func:`gpu_laddu.backends.chunking.plan_chunks`: resident on the device, or in host memory
and streamed in chunks when it does not fit), computes every column source once (amplitude
precomputes such as Zlm values or K-matrix bases, in tiles of events), evaluates the
PER_EVENT frontier into cache columns and keeps only those.  Per call it runs the graph
specialised for the current activation mask
(one specialised graph per mask, kept, so switching back costs nothing): per-event outputs
(:meth:`Evaluator.evaluate`) come from the NumPy interpreter, likelihood sums
(:meth:`Evaluator.likelihood_sums`) from the backend's engine (fused kernels on numba and
cupy, see :mod:`gpu_laddu.likelihood.engines`).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.array([1.0, 2.0])}, ctx=ctx)
>>> a = gl.parameter("a")
>>> ev = gl.Model(a * 2.0).load(ds)
>>> ev.evaluate([1.5]).tolist()
[(3+0j), (3+0j)]
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cpu_fallback.frontier_kernel import frontier_program
from cpu_fallback.interpreter import Program
from gpu_laddu.backends.chunking import ChunkPlan, ResidentCache, StreamedCache, plan_chunks
from gpu_laddu.errors import ModelError
from gpu_laddu.ir.nodes import Node, iter_ops
from gpu_laddu.likelihood.activation import Activation
from gpu_laddu.likelihood.engines import SumsEngine, make_engine, real_rows
from gpu_laddu.likelihood.params import default_values, resolve_parameters
from gpu_laddu.passes.standard import build_call_graph
from gpu_laddu.profiling import annotate

if TYPE_CHECKING:
    from gpu_laddu.data.dataset import Dataset
    from gpu_laddu.likelihood.model import Model

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray


def _owned(xp: Any, arr: Any, dtype: Any, *, reuse: bool) -> Any:
    """A cache column holding ``arr``: ``arr`` itself when ``reuse`` (a column source's own result,
    not an interpreter scratch buffer) and it is already contiguous, writable (the Numba kernels
    take writable arrays) and of ``dtype``; else a copy.  Skipping the copy saves a pass over
    the cache and the page faults of a fresh allocation."""
    if (reuse and getattr(arr, "dtype", None) == dtype and arr.flags.c_contiguous
            and getattr(arr.flags, "writeable", True)):
        return arr
    return xp.array(arr, dtype=dtype, copy=True)


class Evaluator(Activation):
    """Per-event values and gradients of a model on one dataset (see :meth:`Model.load`)."""

    def __init__(self, model: Model, dataset: Dataset, *, gradient: bool = True) -> None:
        self.ctx = dataset.ctx
        self.ctx._check_open()
        self.parameters: tuple[str, ...] = model.parameters
        self._defaults = default_values({n: model.parameter_spec(n) for n in self.parameters})
        self.amplitudes: tuple[str, ...] = model.amplitudes
        self.n_events = dataset.n_events
        self.weights = dataset.weights
        self.has_gradient = gradient
        frontier, self._graph = build_call_graph(model.expression.node, self.parameters, model.fixed, gradient)
        self._check_columns(frontier, dataset)
        dtypes = self._cache_dtypes(frontier)
        self.chunk_plan: ChunkPlan = plan_chunks(self.n_events, sum(d.itemsize for d in dtypes.values()),
                                                 self.ctx.memory.available())
        self._active = frozenset(self.amplitudes)
        self._graphs: dict[frozenset[str], list[Node]] = {}
        self._prefetch_kernel(early=True)
        self.cache: ResidentCache | StreamedCache = self._precompute(frontier, dataset, dtypes)
        self._finish()

    def _finish(self) -> None:
        self._active = frozenset(self.amplitudes)
        self._graphs = {}
        self._programs: dict[tuple[bool, frozenset[str]], Program] = {}
        self._engine: SumsEngine | None = None
        self._prefetch_kernel()

    @classmethod
    def from_parts(cls, model: Model, ctx: Any, parts: Iterable[Evaluator], n_events: int, *,
                   gradient: bool = True) -> Evaluator:
        """One resident evaluator of ``n_events`` events on ``ctx`` from the evaluators of consecutive
        parts of them (row groups, say), consumed one at a time: each part's cache columns and
        weights are copied into the whole's, then the part can be dropped.  Peak memory: the whole
        cache plus one part, never the raw columns of all events."""
        self = cls.__new__(cls)
        self.ctx = ctx
        ctx._check_open()
        self.parameters, self.amplitudes = model.parameters, model.amplitudes
        self._defaults = default_values({n: model.parameter_spec(n) for n in self.parameters})
        self.n_events, self.has_gradient = int(n_events), gradient
        frontier, self._graph = build_call_graph(model.expression.node, self.parameters, model.fixed, gradient)
        dtypes = self._cache_dtypes(frontier)
        xp = ctx.xp
        with ctx.device_scope():
            cache = ResidentCache({key: xp.empty(self.n_events, dtype=dt) for key, dt in dtypes.items()})
            weights = xp.empty(self.n_events, dtype=np.float64)
            pos = 0
            for part in parts:
                n = part.n_events
                if isinstance(part.cache, StreamedCache) or pos + n > self.n_events:
                    raise ModelError(f"from_parts needs resident parts of {self.n_events} events in all")
                for key, column in cache.items():
                    column[pos:pos + n] = part.cache[key]
                weights[pos:pos + n] = part.weights
                pos += n
                del part  # released before the next part is made
        if pos != self.n_events:
            raise ModelError(f"from_parts: the parts hold {pos} events, not {self.n_events}")
        self.weights = weights
        self.chunk_plan = plan_chunks(self.n_events, sum(d.itemsize for d in dtypes.values()), None)
        self.cache = cache
        ctx.memory.track(cache, self.chunk_plan.device_bytes)
        self._finish()
        return self

    # -- load ---------------------------------------------------------------------------
    def _prefetch_kernel(self, early: bool = False) -> None:
        """On the numba backend, start compiling the value + gradient kernel of the all-active graph
        in the background: when a child process compiles it (``early``), while this dataset
        precomputes; else (a compile thread, which would hold Numba's compiler lock against the
        precompute's own compiles) once it has, while the next dataset (the accepted MC) does.
        The kernel is the same for every dataset of a model, so the MC evaluator finds it under way."""
        if self.ctx.backend != "numba" or not self.has_gradient or not self.n_events:
            return
        from cpu_fallback.numba_engine import _separate_process_allowed, prefetch_kernel

        if early and not _separate_process_allowed():
            return
        from gpu_laddu.codegen.plan import cached_plan

        prefetch_kernel(cached_plan(self.specialized_graph()[0], self.parameters), self.ctx.precision)

    @staticmethod
    def _check_columns(graph: list[Node], dataset: Dataset) -> None:
        for node in iter_ops(graph, "column"):
            check = getattr(node.attrs[0], "check_columns", None)
            if callable(check):  # a source with its own, more specific error (e.g. a reaction's)
                check(dataset)
            p4s, scalars = node.attrs[0].required_columns()
            dataset.require(p4s, scalars, "the model", ModelError)

    def _cache_dtypes(self, frontier: list[Node]) -> dict[Any, np.dtype]:
        """Cache-column key → dtype (the context's precision) of every frontier node."""
        real_dt, complex_dt = np.dtype(self.ctx.real_dtype), np.dtype(self.ctx.complex_dtype)
        return {_cache_key(node): complex_dt if node.dtype == "complex" else real_dt for node in frontier}

    def _precompute(self, frontier: list[Node], dataset: Dataset,
                    dtypes: dict[Any, np.dtype]) -> ResidentCache | StreamedCache:
        """Cache columns of ``frontier``, computed tile by tile, placed as :attr:`chunk_plan` says."""
        ctx, plan, xp = self.ctx, self.chunk_plan, self.ctx.xp
        res, on_host = ctx.resources, ctx.backend_impl.device_kind == "cpu"
        with annotate("precompute"), ctx.device_scope():
            program = frontier_program(frontier, ctx, (np.float64, np.complex128))
            cache: ResidentCache | StreamedCache = (
                StreamedCache(plan, dtypes, res.empty_host, res.to_device, on_host=on_host) if plan.streamed
                else ResidentCache())
            tiles = plan.tile_bounds() or [(0, 0)]  # no events (a rank's empty share): empty columns
            for lo, hi in tiles:
                part = dataset if len(tiles) == 1 else _event_slice(dataset, lo, hi)
                memo: dict[Any, Any] = {}
                leaves = {n.attrs[0].key: n.attrs[0].compute(part, memo) for n in iter_ops(frontier, "column")}
                for node, arr in zip(frontier, program.run(leaves, {}, hi - lo)):
                    key = _cache_key(node)
                    if isinstance(cache, StreamedCache):
                        res.to_host(xp.asarray(arr, dtype=dtypes[key]), cache.host[key][lo:hi])
                    elif len(tiles) == 1:
                        cache[key] = _owned(xp, arr, dtypes[key], reuse=node.op == "column")
                    else:
                        cache.setdefault(key, xp.empty(self.n_events, dtype=dtypes[key]))[lo:hi] = arr
            ctx.scratch.clear()
            if isinstance(cache, StreamedCache) and not cache.on_host:
                cache.buffers = {k: (xp.empty(plan.chunk_events, dtype=d), xp.empty(plan.chunk_events, dtype=d))
                                 for k, d in dtypes.items()}
            ctx.memory.track(cache, plan.device_bytes)
        return cache

    @property
    def cache_nbytes(self) -> int:
        """Bytes of the cache columns (on the device, or in host memory when streamed)."""
        if isinstance(self.cache, StreamedCache):
            return self.cache.nbytes
        return int(sum(a.nbytes for a in self.cache.values()))

    # -- per-call ---------------------------------------------------------------------------
    def _program(self, with_gradient: bool) -> Program:
        key = (with_gradient, self._active)
        program = self._programs.get(key)
        if program is None:
            graph = self.specialized_graph()
            program = Program(graph if with_gradient else graph[:1], self.ctx)
            self._programs[key] = program
        return program

    def _run(self, p: ParamVector, with_gradient: bool) -> list[Any]:
        values = resolve_parameters(p, self.parameters, self._defaults)
        if with_gradient and not self.has_gradient and self.parameters:
            raise ModelError("this evaluator was loaded with gradient=False; use model.load(dataset) for gradients")
        program = self._program(with_gradient)
        params = dict(zip(self.parameters, values.tolist()))
        with annotate("evaluate"), self.ctx.thread_scope():
            if not isinstance(self.cache, StreamedCache) and self.chunk_plan.tile_events >= self.n_events:
                return program.run(self.cache, params, self.n_events)
            return self._run_tiled(program, params)

    def cache_tiles(self, keys: Iterable[Any]) -> Iterator[tuple[int, int, Mapping[Any, Any]]]:
        """``(lo, hi, columns)`` per tile of events: the named cache columns of events ``[lo, hi)``
        on the device, tile by tile as :attr:`chunk_plan` sizes them (one tile, the cache itself,
        when it is resident under no budget)."""
        cache, keys = self.cache, list(keys)
        if not isinstance(cache, StreamedCache) and self.chunk_plan.tile_events >= self.n_events:
            yield 0, self.n_events, cache
            return
        for lo, hi in self.chunk_plan.tile_bounds():
            yield lo, hi, (cache.chunk(lo, hi, keys) if isinstance(cache, StreamedCache)
                           else {key: cache[key][lo:hi] for key in keys})

    def weighted_tiles(self, keys: Iterable[Any]) -> Iterator[tuple[int, Mapping[Any, Any], Any]]:
        """``(events, columns, weights)`` per tile of :meth:`cache_tiles` (the normalisation integrals'
        input; a :class:`~gpu_laddu.likelihood.streamed.StreamedEvaluator` yields its row groups)."""
        for lo, hi, columns in self.cache_tiles(keys):
            yield hi - lo, columns, self.weights[lo:hi]

    def _run_tiled(self, program: Program, params: dict[str, float]) -> list[Any]:
        """``program`` tile by tile (a streamed cache, or a budget too tight for one tile), into
        whole-dataset outputs."""
        keys = [n.attrs[0].key for n in iter_ops(program.outputs, "column")]
        out: list[Any] = []
        for lo, hi, columns in self.cache_tiles(keys):
            part = program.run(columns, params, hi - lo)
            if not out:
                out = [v if isinstance(v, (int, float, complex)) else self.ctx.xp.empty(self.n_events, dtype=v.dtype)
                       for v in part]
            for whole, v in zip(out, part):
                if not isinstance(v, (int, float, complex)):
                    whole[lo:hi] = v
        return out

    def _column(self, value: Any, dtype: Any) -> Any:
        xp = self.ctx.xp
        if isinstance(value, (int, float, complex)):
            return xp.full(self.n_events, value, dtype=dtype)
        return xp.array(value, dtype=dtype, copy=True)

    def _gathered(self, out: Any, gather: bool) -> Any:
        return self.ctx.comm.allgatherv(self.ctx.to_numpy(out)) if gather else out

    def evaluate(self, p: ParamVector, *, gather: bool = False) -> Any:
        """Complex model value per event (an array of the context's namespace).

        With ``gather=True``: all ranks' events in global order, as a host numpy array.
        """
        (value,) = self._run(p, with_gradient=False)
        return self._gathered(self._column(value, self.ctx.complex_dtype), gather)

    def evaluate_gradient(self, p: ParamVector, *, gather: bool = False) -> Any:
        """Complex derivatives per event, shape (n_events, n_free_parameters) (``gather`` as in :meth:`evaluate`)."""
        outputs = self._run(p, with_gradient=True)
        xp = self.ctx.xp
        out = xp.empty((self.n_events, len(self.parameters)), dtype=self.ctx.complex_dtype)
        for k, g in enumerate(outputs[1:]):
            out[:, k] = g
        return self._gathered(out, gather)

    def intensity_terms(self, p: ParamVector, with_gradient: bool) -> list[Any]:
        """Real parts of the value (and of each derivative) per event: the likelihood's inputs.

        The returned arrays may alias scratch buffers reused by the next call.
        """
        return real_rows(self.ctx.xp, self._run(p, with_gradient), self.n_events, self.ctx.real_dtype)

    def reweighted(self, weights: Any) -> Evaluator:
        """A view of this evaluator with other event weights (the cache and graphs are shared)."""
        if weights.shape != (self.n_events,):
            raise ModelError(f"expected {self.n_events} weights, got shape {weights.shape}")
        clone = copy.copy(self)
        clone.weights = weights
        clone._engine = None
        return clone

    @property
    def engine(self) -> SumsEngine:
        """The backend's likelihood engine for this dataset (created at first use)."""
        if self._engine is None:
            self._engine = make_engine(self.ctx, self.cache, self.weights, self.parameters)
        return self._engine

    def likelihood_sums(self, values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """This rank's event sums for a likelihood (host float64, length n_parameters + 2).

        ``log=True``: ``[Σ w·ln I, Σ w·∂_k I/I ..., n_bad]`` with ``n_bad`` the events where
        I ≤ 0 or is not finite; ``log=False``: ``[Σ w·I, Σ w·∂_k I ..., 0]``.  Derivative sums
        are 0 unless ``with_gradient``.  ``values`` is the resolved parameter vector.

        >>> import numpy as np, gpu_laddu as gl
        >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
        >>> ds = gl.from_numpy(scalars={"x": np.ones(4)}, ctx=ctx)
        >>> a = gl.parameter("a")
        >>> gl.Model(a * a).load(ds).likelihood_sums(np.array([3.0]), log=False, with_gradient=True).tolist()
        [36.0, 24.0, 0.0]
        """
        self.ctx._check_open()
        if with_gradient and not self.has_gradient and self.parameters:
            raise ModelError("this evaluator was loaded with gradient=False; use model.load(dataset) for gradients")
        with annotate("evaluate"):
            return self.engine.sums(self.specialized_graph(), values, log, with_gradient)


def _cache_key(node: Node) -> Any:
    """Key of a frontier node's cache column (a column node keeps its source's key)."""
    return ("cached", node.fingerprint) if node.op != "column" else node.attrs[0].key


def _event_slice(dataset: Dataset, lo: int, hi: int) -> Dataset:
    """Events ``[lo, hi)`` of ``dataset`` as a Dataset of views (for precompute tiles)."""
    from gpu_laddu.data.dataset import Dataset

    return Dataset(dataset.ctx, {name: tuple(c[lo:hi] for c in dataset.p4(name)) for name in dataset.p4_names},
                   {name: dataset.scalar(name)[lo:hi] for name in dataset.scalar_names},
                   dataset.weights[lo:hi] if dataset.has_explicit_weights else None,
                   n_events_global=dataset.n_events_global)
