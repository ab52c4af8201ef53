"""ExecutionContext: one resolved request for where and how the library computes.

``ExecutionContext(device="auto", backend=None, precision="f64", threads=None, comm="auto",
memory_budget=None)`` is resolved once at construction into a frozen object that holds the
backend and its array namespace ``xp``, the device id, the dtypes, a kernel cache, a
scratch-buffer pool, the communicator and the device resources (memory budget; on a GPU the
context's own memory pool and CUDA stream, see :meth:`ExecutionContext.device_scope`).
Impossible requests fail here, naming what is missing and the extra that installs it.
Datasets, evaluators and likelihoods belong to exactly one context.

Examples
--------
>>> import gpu_laddu as gl
>>> with gl.ExecutionContext(device="cpu", backend="numpy") as ctx:
...     (ctx.backend, ctx.device, ctx.precision, ctx.size)
('numpy', 'cpu', 'f64', 1)
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from gpu_laddu.backends.base import Backend, DeviceResources
from gpu_laddu.backends.chunking import MemoryBudget
from gpu_laddu.backends.registry import BACKEND_NAMES, backend_available, cuda_available, load_backend
from gpu_laddu.distributed.comm import Communicator, NullCommunicator
from gpu_laddu.errors import BackendUnavailableError, ContextError
from gpu_laddu.profiling import annotate

_PRECISIONS = {"f64": (np.float64, np.complex128), "f32": (np.float32, np.complex64)}
_COMMS = ("auto", "none", "mpi", "nccl")
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS", "PMIX_SIZE")


class ScratchPool:
    """Reusable buffers keyed by name: repeated calls get the same memory back.

    >>> import numpy as np
    >>> pool = ScratchPool(np)
    >>> a = pool.get("tmp", (4,), np.float64); b = pool.get("tmp", (4,), np.float64)
    >>> a is b
    True
    """

    def __init__(self, xp: Any) -> None:
        self._xp = xp
        self._buffers: dict[str, Any] = {}
        self.allocations = 0

    def get(self, key: str, shape: tuple[int, ...], dtype: Any) -> Any:
        """Return an uninitialised buffer of ``shape``/``dtype``, reused when it matches."""
        buf = self._buffers.get(key)
        if buf is None or buf.shape != tuple(shape) or buf.dtype != np.dtype(dtype):
            buf = self._xp.empty(shape, dtype=dtype)
            self._buffers[key] = buf
            self.allocations += 1
        return buf

    @property
    def nbytes(self) -> int:
        """Bytes currently held by the pool."""
        return int(sum(b.nbytes for b in self._buffers.values()))

    def clear(self) -> None:
        """Drop every buffer."""
        self._buffers.clear()


class ExecutionContext:
    """A resolved request: device, backend, precision, threads and communicator.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N"}
        ``auto`` picks CUDA when a usable GPU is present, else the CPU.
    backend : {None, "numpy", "numba", "cupy"}
        ``None`` picks ``cupy`` on CUDA, else ``numba`` when installed, else ``numpy``.
    precision : {"f64", "f32"}
        Dtype of cache columns and per-event math; raw input columns and sums stay float64.
    threads : int or None
        CPU threads for this context's calls (``None``: all cores).
    comm : {"auto", "none", "mpi", "nccl"}
        ``auto`` uses MPI when launched under an MPI launcher with more than one rank.
    memory_budget : int or None
        Bytes of device memory this context may hold.  ``None``: on a GPU 90% of the memory
        free at construction, on the CPU unlimited.  On a GPU it is the limit of the context's
        own memory pool; a dataset whose cache columns do not fit is processed in chunks
        (see :mod:`gpu_laddu.backends.chunking`).

    Examples
    --------
    >>> ctx = ExecutionContext(device="cpu", backend="numpy", precision="f32", threads=1)
    >>> ctx.real_dtype, ctx.threads, ctx.memory.limit
    (<class 'numpy.float32'>, 1, None)
    >>> ctx.close()
    """

    __slots__ = (
        "_backend", "_device", "_device_id", "_precision", "_threads", "_comm",
        "_kernel_cache", "_scratch", "_closed", "_lock", "_frozen", "_resources",
    )

    def __init__(
        self,
        device: str = "auto",
        backend: str | None = None,
        precision: str = "f64",
        threads: int | None = None,
        comm: str | Communicator = "auto",
        memory_budget: int | None = None,
    ) -> None:
        device_kind, device_id = _resolve_device(device)
        backend_name = _resolve_backend(backend, device_kind)
        if precision not in _PRECISIONS:
            raise ContextError(f"precision must be 'f64' or 'f32', not {precision!r}")
        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
            raise ContextError(f"threads must be None or a positive integer, not {threads!r}")
        self._backend: Backend = load_backend(backend_name)
        if backend_name == "cupy":
            self._backend.xp.cuda.Device(device_id).use()
        self._resources: DeviceResources = self._backend.resources(device_id, memory_budget)
        self._device = "cpu" if device_kind == "cpu" else f"cuda:{device_id}"
        self._device_id = device_id
        self._precision = precision
        self._threads = threads if threads is not None else (os.cpu_count() or 1)
        self._comm: Communicator = _resolve_comm(comm, backend_name)
        self._kernel_cache: dict[Any, Any] = {}
        self._scratch = ScratchPool(self._backend.xp)
        self._closed = False
        self._lock = threading.Lock()
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False) and name != "_closed":
            raise AttributeError("ExecutionContext is frozen; create a new one instead")
        object.__setattr__(self, name, value)

    # -- resolved attributes -------------------------------------------------------------
    @property
    def backend(self) -> str:
        """Name of the backend: ``numpy``, ``numba`` or ``cupy``."""
        return self._backend.name

    @property
    def backend_impl(self) -> Backend:
        """The backend object (moves arrays to and from the device)."""
        return self._backend

    @property
    def xp(self) -> Any:
        """The array namespace of this context (numpy or cupy)."""
        return self._backend.xp

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda:N"``."""
        return self._device

    @property
    def device_id(self) -> int:
        """CUDA device ordinal (0 on the CPU)."""
        return self._device_id

    @property
    def precision(self) -> str:
        """``"f64"`` or ``"f32"``."""
        return self._precision

    @property
    def real_dtype(self) -> type:
        """Real dtype of cache columns and per-event math."""
        return _PRECISIONS[self._precision][0]

    @property
    def complex_dtype(self) -> type:
        """Complex dtype of cache columns and per-event math."""
        return _PRECISIONS[self._precision][1]

    @property
    def threads(self) -> int:
        """CPU threads used by this context's calls."""
        return self._threads

    @property
    def comm(self) -> Communicator:
        """The communicator (Null on one process)."""
        return self._comm

    @property
    def rank(self) -> int:
        """This process's rank."""
        return self._comm.rank

    @property
    def size(self) -> int:
        """Number of ranks."""
        return self._comm.size

    @property
    def kernel_cache(self) -> dict[Any, Any]:
        """Compiled kernels of this context, keyed by (graph fingerprint, dtype, activation mask)."""
        return self._kernel_cache

    @property
    def resources(self) -> DeviceResources:
        """The device resources: memory budget, and on a GPU the memory pool and streams."""
        return self._resources

    @property
    def memory(self) -> MemoryBudget:
        """The memory budget (``memory.limit``, ``memory.used``, ``memory.available()``)."""
        return self._resources.memory

    @property
    def stream(self) -> Any:
        """This context's CUDA stream (``None`` on the CPU)."""
        return self._resources.stream

    @property
    def scratch(self) -> ScratchPool:
        """Reusable per-call buffers."""
        return self._scratch

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    # -- helpers ---------------------------------------------------------------------------
    def asarray(self, host: Any, dtype: Any = None) -> Any:
        """Put a host array on this context's device: one copy on a GPU (the array's own dtype unless
        ``dtype`` is given)."""
        self._check_open()
        arr = np.asarray(host, dtype=dtype)
        with annotate("load"):
            return self._resources.to_device(arr)

    def to_numpy(self, array: Any) -> np.ndarray:
        """Bring an array of this context back to the host (after the context's queued work)."""
        with self.device_scope():
            return self._backend.to_numpy(array)

    def synchronize(self) -> None:
        """Wait until this context's queued device work has finished (no-op on the CPU)."""
        self._resources.synchronize()

    def device_scope(self) -> contextlib.AbstractContextManager[None]:
        """Make this context's device, memory pool and stream current for the block (no-op on the CPU).

        Re-entrant; the library enters it wherever it allocates or launches work for the context.

        >>> with ExecutionContext(device="cpu", backend="numpy").device_scope():
        ...     pass
        """
        return self._resources.scope()

    @contextlib.contextmanager
    def thread_scope(self) -> Iterator[None]:
        """Apply this context's thread count to Numba and BLAS (and its :meth:`device_scope`) for the block."""
        restore: list[Any] = []
        with self._lock, self.device_scope():
            if self.backend == "numba":
                from cpu_fallback.numba_backend import set_num_threads

                previous = set_num_threads(self._threads)
                if previous != self._threads:
                    restore.append(lambda: set_num_threads(previous))
            limiter = _blas_limiter(self._threads)
            try:
                if limiter is None:
                    yield
                else:
                    with limiter:
                        yield
            finally:
                for undo in restore:
                    undo()

    def _check_open(self) -> None:
        if self._closed:
            raise ContextError("this ExecutionContext was closed")

    def check_same(self, other: ExecutionContext, what: str) -> None:
        """Raise :class:`ContextError` unless ``other`` is this context."""
        if other is not self:
            raise ContextError(f"{what} belongs to a different ExecutionContext; use .to(ctx) first")

    def close(self) -> None:
        """Release kernels and scratch buffers (and the GPU memory pool blocks they held)."""
        self._kernel_cache.clear()
        self._scratch.clear()
        self._resources.close()
        if self.backend == "cupy":
            self.xp.get_default_memory_pool().free_all_blocks()
        object.__setattr__(self, "_closed", True)

    def __enter__(self) -> ExecutionContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"ExecutionContext(device={self.device!r}, backend={self.backend!r}, "
            f"precision={self.precision!r}, threads={self.threads}, comm={self._comm.name!r}, "
            f"rank={self.rank}, size={self.size})"
        )


def _resolve_device(device: str) -> tuple[str, int]:
    if not isinstance(device, str):
        raise ContextError(f"device must be a string like 'auto', 'cpu' or 'cuda:0', not {device!r}")
    if device == "auto":
        return ("cuda", _local_gpu_index()) if cuda_available() else ("cpu", 0)
    if device == "cpu":
        return "cpu", 0
    if device == "cuda" or device.startswith("cuda:"):
        index_text = device[5:] if device.startswith("cuda:") else ""
        if index_text and not index_text.isdigit():
            raise ContextError(f"bad CUDA device {device!r}; use 'cuda' or 'cuda:N'")
        if not cuda_available():
            raise BackendUnavailableError(
                f"device={device!r} was requested but no usable CUDA GPU was found "
                "(needs an NVIDIA driver and `pip install gpu_laddu[cuda]`)"
            )
        return "cuda", int(index_text) if index_text else _local_gpu_index()
    raise ContextError(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'")


def _local_gpu_index() -> int:
    """One GPU per rank: the local rank modulo the number of visible devices."""
    local = next((os.environ[v] for v in ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")
                  if v in os.environ), "0")
    import cupy  # only reached when cuda_available() already imported it

    count = int(cupy.cuda.runtime.getDeviceCount())
    return int(local) % max(count, 1)


def _resolve_backend(backend: str | None, device_kind: str) -> str:
    if backend is None:
        if device_kind == "cuda":
            return "cupy"
        return "numba" if backend_available("numba") else "numpy"
    if backend not in BACKEND_NAMES:
        raise ContextError(f"unknown backend {backend!r}; choose one of {', '.join(BACKEND_NAMES)}")
    if backend == "cupy" and device_kind != "cuda":
        if not cuda_available():
            raise BackendUnavailableError(
                "backend='cupy' needs a usable CUDA GPU, and none was found "
                "(install the driver and `pip install gpu_laddu[cuda]`)"
            )
        raise ContextError("backend='cupy' runs on a GPU; use device='cuda' or device='auto'")
    if backend != "cupy" and device_kind == "cuda":
        raise ContextError(f"backend={backend!r} runs on the CPU; use device='cpu' or backend='cupy'")
    return backend


def _launched_with_several_ranks() -> bool:
    for var in _LAUNCHER_SIZE_VARS:
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 1:
            return True
    return False


def _resolve_comm(comm: str | Communicator, backend_name: str) -> Communicator:
    if not isinstance(comm, str):
        return comm
    if comm not in _COMMS:
        raise ContextError(f"unknown comm {comm!r}; choose one of {', '.join(_COMMS)}")
    if comm == "none" or (comm == "auto" and not _launched_with_several_ranks()):
        return NullCommunicator()
    if comm == "nccl" and backend_name != "cupy":
        raise ContextError("comm='nccl' needs the cupy backend on a GPU")
    try:
        if comm == "nccl":
            from gpu_laddu.distributed.nccl import NcclCommunicator

            return NcclCommunicator()
        from gpu_laddu.distributed.mpi import MpiCommunicator

        return MpiCommunicator()
    except ImportError as exc:
        raise BackendUnavailableError(
            f"comm={comm!r} needs {exc.name or 'mpi4py'}: install it with `pip install gpu_laddu[mpi]` "
            "(or gpu_laddu[mpich] to get an MPI library too)"
        ) from exc


_BLAS: dict[str, Any] = {}


def _blas_limiter(threads: int) -> Any:
    """A context manager limiting BLAS threads, or None when no limit is needed or possible.

    The threadpool controller scans the loaded libraries once per process, not once per call
    (a likelihood call enters this scope twice: the scan would cost more than a small kernel).
    """
    if "blas" not in _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS["blas"] = None
        else:
            _BLAS["blas"] = ThreadpoolController().select(user_api="blas")
    blas = _BLAS["blas"]
    if blas is None:
        return None
    if not blas.lib_controllers or all(c.num_threads <= threads for c in blas.lib_controllers):
        return None
    return blas.limit(limits=threads)


_DEFAULT: ExecutionContext | None = None
_DEFAULT_LOCK = threading.Lock()


def default_context() -> ExecutionContext:
    """The process-wide context (created on first use with ``ExecutionContext()``).

    >>> default_context() is default_context()
    True
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or _DEFAULT.closed:
            _DEFAULT = ExecutionContext()
        return _DEFAULT


def resolve_context(ctx: ExecutionContext | None) -> ExecutionContext:
    """``ctx`` itself, or the default context when ``None``."""
    return default_context() if ctx is None else ctx
