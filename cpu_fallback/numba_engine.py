"""The Numba likelihood engine: fused kernels compiled once per graph, cached in memory and on disk.

Each per-call graph (one per activation mask) gets two serial ``njit(nogil=True)`` kernels
from :mod:`cpu_fallback.numba_codegen`, run on ``ctx.threads`` threads by
:func:`cpu_fallback.threads.run_tasks`: the value + adjoint kernel, and the value-only kernel
(a forward pass) for the calls that ask for the value alone.  Each is compiled at its first
use; once the value + adjoint kernel of a graph is bound, its value-only kernel is compiled in
a background thread (a fit's first value-only call then rarely waits), and the evaluator of
the first dataset starts the value + adjoint kernel in the background while the next dataset
precomputes.  A background compile of a kernel never compiled on this machine runs in a child
interpreter (:func:`load_kernel`), so that it overlaps the precompute's own compiles on
another core.  Kernels are cached at two levels:

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

import atexit
import contextlib
import hashlib
import importlib.util
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cpu_fallback.numba_codegen import CHUNK, emit_numba
from cpu_fallback.threads import run_tasks
from gpu_laddu.codegen.chain import Chain, chain_rule, finish_sums
from gpu_laddu.codegen.plan import KernelPlan, cached_plan
from gpu_laddu.ir.nodes import Node

CACHE_ENV = "GPU_LADDU_CACHE_DIR"
#: set to "0" to compile background kernels in a thread of this process instead of a child process
COMPILE_PROCESS_ENV = "GPU_LADDU_COMPILE_PROCESS"
_CHILD = ("import importlib.util as u, sys; s = u.spec_from_file_location(sys.argv[2], sys.argv[1]); "
          "m = u.module_from_spec(s); sys.modules[sys.argv[2]] = m; s.loader.exec_module(m)")
_MODULE_PREFIX = "gpu_laddu_kernel_"
_KERNELS: dict[tuple[str, str], Any] = {}
_PENDING: dict[tuple[str, str], Future[Any]] = {}
_BACKGROUND: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_WORKER: list[threading.Thread] = []
_CHILDREN: set[subprocess.Popen[bytes]] = set()
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


def _separate_process_allowed() -> bool:
    """Whether a background compile may run in a child process (not under MPI, not switched off)."""
    if os.environ.get(COMPILE_PROCESS_ENV, "1") == "0":
        return False
    mpi = sys.modules.get("mpi4py.MPI")
    return mpi is None or int(mpi.COMM_WORLD.Get_size()) == 1


def _compile_in_child(path: Path, module_name: str) -> None:
    """Compile the kernel module ``path`` in a fresh interpreter, which leaves the machine code in
    Numba's disk cache (failures are ignored: the module is then compiled in this process).  The
    child is killed when this process exits: nobody is left to use what it compiles."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), module_name], env=os.environ.copy(),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _CHILDREN.add(child)
        try:
            child.wait(timeout=600)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        finally:
            _CHILDREN.discard(child)


@atexit.register
def _stop_children() -> None:
    for child in list(_CHILDREN):
        with contextlib.suppress(OSError):
            child.kill()


def _background_worker() -> None:
    while True:
        _BACKGROUND.get()()


def _submit_background(task: Callable[[], None]) -> None:
    """Run ``task`` on the one background compile thread (a daemon: exiting never waits for a compile)."""
    with _LOCK:
        if not _WORKER or not _WORKER[0].is_alive():
            worker = threading.Thread(target=_background_worker, name="gpu_laddu_compile", daemon=True)
            worker.start()
            _WORKER[:] = [worker]
    _BACKGROUND.put(task)


def load_kernel(source: str, name: str, separate_process: bool = False) -> Any:
    """The compiled kernel ``name`` defined by ``source`` (imported from the disk cache folder).

    With ``separate_process`` (background compiles), a module never compiled before is first
    compiled by a child interpreter: Numba holds one global compiler lock per process, so a
    compile in a thread would stall the compiles that the precompute needs meanwhile, while a
    child runs on another core; this process then loads the machine code from the disk cache.
    """
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = cache_dir() / f"{name}_{digest}.py"
    _write_once(path, source)
    module_name = f"{_MODULE_PREFIX}{path.stem}"
    marker = path.with_suffix(".compiled")
    if separate_process and not marker.exists() and _separate_process_allowed():
        _compile_in_child(path, module_name)
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
    _write_once(marker, "")
    return kernel


def _kernel_future(plan: KernelPlan, precision: str, background: bool) -> Future[Any]:
    """The (maybe still compiling) kernel of ``plan``; a new one is compiled here or, with
    ``background``, in the compile thread."""
    key = (plan.key, precision)
    with _LOCK:
        kernel = _KERNELS.get(key)
        if kernel is not None:
            if not background:
                _STATS["memory_hits"] += 1
            done: Future[Any] = Future()
            done.set_result(kernel)
            return done
        future = _PENDING.get(key)
        if future is not None:
            return future
        future = _PENDING[key] = Future()

    def compile_() -> None:
        try:
            kernel = load_kernel(emit_numba(plan, precision), plan.name, separate_process=background)
        except BaseException as exc:  # handed to whoever waits on the future
            with _LOCK:
                _PENDING.pop(key, None)
            future.set_exception(exc)
            return
        with _LOCK:
            _KERNELS[key] = kernel
            _PENDING.pop(key, None)
        future.set_result(kernel)

    if background:
        _submit_background(compile_)
    else:
        compile_()
    return future


def get_kernel(plan: KernelPlan, precision: str) -> Any:
    """The kernel of ``plan`` at ``precision``, from memory, disk, or freshly compiled."""
    return _kernel_future(plan, precision, background=False).result()


def prefetch_kernel(plan: KernelPlan, precision: str) -> None:
    """Start compiling the kernel of ``plan`` in the background (nothing if known or under way)."""
    _kernel_future(plan, precision, background=True)


def wait_for_background() -> None:
    """Wait until no kernel compiles in the background (tests and benchmarks)."""
    while True:
        with _LOCK:
            pending = list(_PENDING.values())
        if not pending:
            return
        for future in pending:
            future.exception()


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
        self._bound: dict[tuple[Node, bool], _Bound] = {}

    def _bind(self, graph: list[Node], with_gradient: bool) -> _Bound:
        key = (graph[0], with_gradient)  # the kernels depend on the value node only
        bound = self._bound.get(key)
        if bound is None:
            precision = self.ctx.precision
            plan = cached_plan(graph[0], self.parameters, with_gradient)
            kernel = get_kernel(plan, precision)
            if with_gradient:
                prefetch_kernel(cached_plan(graph[0], self.parameters, False), precision)
            columns = tuple(np.ascontiguousarray(self.cache[c.attrs[0].key]) for c in plan.columns)
            n_chunks = -(-int(self.weights.shape[0]) // CHUNK)
            bound = _Bound(kernel, chain_rule(plan), columns, np.zeros((n_chunks, plan.n_out)))
            self._bound[key] = bound
        return bound

    def sums(self, graph: list[Node], values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """Local ``[Σ w·f(I), Σ w·g(∂I) per parameter..., n_bad]`` (see :func:`emit_numba`); a
        value-only call (``with_gradient=False``) runs the value-only kernel."""
        with_gradient = bool(with_gradient) and bool(self.parameters)
        bound = self._bind(graph, with_gradient)
        values = np.ascontiguousarray(values, dtype=np.float64)
        kernel, weights, columns, partial, mode = bound.kernel, self.weights, bound.columns, bound.partial, int(log)

        def run(lo: int, hi: int) -> None:
            kernel(values, weights, *columns, mode, lo, hi, partial)

        with self.ctx.thread_scope():
            run_tasks(run, partial.shape[0], self.ctx.threads)
        return finish_sums(bound.chain, values, partial.sum(axis=0), with_gradient)
