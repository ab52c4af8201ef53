"""A stand-in for ``cupy`` on the CPU, strict where real CuPy is: enough of it to run the CuPy
backend's own code (context resources, staged copies, the engine, streamed chunks) without a GPU.

"Device" arrays are :class:`DeviceArray` (a numpy subclass); host arrays are plain numpy.
Where CuPy would fail or silently misbehave, the fake raises: a kernel given a host array,
``set`` from a device array or into a non-contiguous one, ``get`` into a mismatched
buffer.  Allocations made through the ``cupy`` namespace are charged to the memory pool
whose allocator is current (:func:`using_allocator`), against its limit.  ``RawKernel`` runs
the generated CUDA C in the C++ emulator of ``tests/codegen/cuda_emulator.py``: the fused
kernel needs its :class:`KernelPlan`, which the test registers through :data:`PLANS` (the
backend's ``emit_cuda`` is wrapped to do so).  Work runs at once: stream ordering is checked
by ``tests/backends/test_streams.py``, not here.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import types
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from gpu_laddu.codegen.cuda import REDUCE_NAME, source_shape
from tests.codegen import nvrtc_tools
from tests.codegen.cuda_emulator import EmulatedKernel

PLANS: dict[str, tuple[Any, str]] = {}  # kernel name -> (plan, precision)
#: the fake device's SM count (``getDeviceProperties``); tests set it
SM_COUNT = [1]
#: attributes that replace the compiled kernel's (tests set them)
ATTRIBUTES: dict[str, int] = {}
#: (kernel name, grid, block) of every launch, in order
LAUNCHES: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
_LOCAL = threading.local()
_DOUBLE_P = ctypes.POINTER(ctypes.c_double)


class OutOfMemoryError(MemoryError):
    pass


class CUDARuntimeError(RuntimeError):
    pass


def _is_host(a: Any) -> bool:
    """A host array that CuPy would refuse in a device operation (numpy scalars and 0-d arrays pass)."""
    return isinstance(a, np.ndarray) and not isinstance(a, DeviceArray) and a.ndim > 0


def _reject_host(where: str, values: Any) -> None:
    for v in values:
        if _is_host(v) or (isinstance(v, (list, tuple)) and any(_is_host(x) for x in v)):
            raise TypeError(f"{where}: a host numpy array in a device operation (copy it with cupy.asarray first)")


class DeviceArray(np.ndarray):
    """A "device" array: numpy memory, CuPy's transfer methods; host arrays mixed into its
    operations (``dev[...] = host``, ufuncs, ``cupy.*`` functions) raise TypeError."""

    __module__ = "cupy"  # as cupy.ndarray: array_namespace() dispatches on it

    def __setitem__(self, key: Any, value: Any) -> None:
        _reject_host("device[...] = host", (value,))
        np.ndarray.__setitem__(self, key, value)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        _reject_host(f"ufunc {ufunc.__name__}", (*inputs, *kwargs.get("out", ())))
        args = [i.view(np.ndarray) if isinstance(i, DeviceArray) else i for i in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, DeviceArray) else o for o in kwargs["out"])
        out = getattr(ufunc, method)(*args, **kwargs)
        if isinstance(out, tuple):
            return tuple(o.view(DeviceArray) if type(o) is np.ndarray else o for o in out)
        return out.view(DeviceArray) if type(out) is np.ndarray else out

    def set(self, arr: Any, stream: Any = None) -> None:
        if type(arr) is not np.ndarray:
            raise TypeError(f"set() takes a host numpy array, not {type(arr).__name__}")
        if not self.flags.c_contiguous or arr.shape != self.shape or arr.dtype != self.dtype:
            raise ValueError(f"set(): {arr.shape} {arr.dtype} into {self.shape} {self.dtype}")
        assert stream is None or isinstance(stream, Stream)
        np.ndarray.__setitem__(self, Ellipsis, arr)

    def get(self, stream: Any = None, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return np.array(self.view(np.ndarray))
        if type(out) is not np.ndarray or out.shape != self.shape or out.dtype != self.dtype:
            raise ValueError("get(out=...): out must be a host array of the same shape and dtype")
        out[...] = self.view(np.ndarray)
        return out


def _device(host: np.ndarray) -> DeviceArray:
    pool = getattr(_LOCAL, "pool", None)
    if pool is not None:
        pool.charge(host)
    return host.view(DeviceArray)


class MemoryPool:
    def __init__(self) -> None:
        self.limit: int | None = None
        self.used = 0

    def set_limit(self, size: int | None = None) -> None:
        self.limit = size

    def charge(self, arr: np.ndarray) -> None:
        if self.limit is not None and self.used + arr.nbytes > self.limit:
            raise OutOfMemoryError(f"{arr.nbytes} bytes over the pool limit {self.limit} ({self.used} used)")
        self.used += arr.nbytes
        weakref.finalize(arr, self._free, arr.nbytes)

    def _free(self, nbytes: int) -> None:
        self.used -= nbytes

    def used_bytes(self) -> int:
        return self.used

    def malloc(self, size: int) -> None:  # only its identity matters: using_allocator(pool.malloc)
        raise AssertionError("not called by the fake")

    def free_all_blocks(self) -> None:
        return None


@contextlib.contextmanager
def using_allocator(allocator: Any) -> Iterator[None]:
    previous = getattr(_LOCAL, "pool", None)
    _LOCAL.pool = allocator.__self__
    try:
        yield
    finally:
        _LOCAL.pool = previous


class Stream:
    _count = 0

    def __init__(self, non_blocking: bool = False) -> None:
        Stream._count += 1
        self.ptr = Stream._count

    def __enter__(self) -> Stream:
        _LOCAL.streams = [*getattr(_LOCAL, "streams", []), self]
        return self

    def __exit__(self, *exc: object) -> None:
        _LOCAL.streams = _LOCAL.streams[:-1]

    def synchronize(self) -> None:
        return None

    def wait_event(self, event: Event) -> None:
        assert isinstance(event, Event) and event.recorded


class Event:
    def __init__(self, disable_timing: bool = False) -> None:
        self.recorded = False

    def record(self, stream: Stream) -> None:
        assert isinstance(stream, Stream)
        self.recorded = True

    def synchronize(self) -> None:
        assert self.recorded


class Device:
    def __init__(self, index: int = 0) -> None:
        self.id = index

    def use(self) -> None:
        return None

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def get_current_stream() -> Stream:
    streams = getattr(_LOCAL, "streams", [])
    return streams[-1] if streams else Stream()


class RawKernel:
    """The generated kernel, run by the CUDA emulator with CuPy's launch convention."""

    def __init__(self, source: str, name: str, options: tuple[str, ...] = ()) -> None:
        self.name = name
        self.source = source
        plan, precision = PLANS.get(name) or next(iter(PLANS.values()))  # the reduce kernel: any harness has it
        assert name == REDUCE_NAME or name in source
        self.shape = (256, 1) if name == REDUCE_NAME else source_shape(source)
        self.kernel = EmulatedKernel(plan, precision, None if name == REDUCE_NAME else self.shape)

    @property
    def attributes(self) -> dict[str, int]:
        """As CuPy's: the compiled kernel's registers and memory, from ptxas when NVRTC is here
        (else the most registers its ``__launch_bounds__`` allow, and no spills)."""
        block, min_blocks = self.shape
        if nvrtc_tools.nvrtc() is not None:
            r = nvrtc_tools.resources(self.source)[self.name]
            regs, shared, local = r.registers, r.shared_bytes, r.stack_frame
        else:
            regs, shared, local = min(255, 65536 // (block * min_blocks) // 8 * 8), 4096, 0
        return {"num_regs": regs, "shared_size_bytes": shared, "local_size_bytes": local,
                "max_threads_per_block": block, "const_size_bytes": 0, **ATTRIBUTES}

    def __call__(self, grid: tuple[int], block: tuple[int], args: tuple[Any, ...]) -> None:
        LAUNCHES.append((self.name, tuple(grid), tuple(block)))
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        if any(not isinstance(a, DeviceArray) for a in arrays):
            raise TypeError(f"{self.name}: a kernel argument is a host array")
        if self.name == REDUCE_NAME:
            partial, rows, n_out, out = args
            assert isinstance(rows, np.int64) and isinstance(n_out, np.int32) and block == (256,)
            assert grid == (out.shape[0],) and partial.shape[0] >= rows and out.flags.c_contiguous
            self.kernel.lib.gl_reduce(_ptr(partial), ctypes.c_longlong(int(rows)), ctypes.c_int(int(n_out)), _ptr(out))
            return
        params, weights, *rest = args
        *columns, n, log, grad, partial = rest
        plan = self.kernel.plan
        assert block == (self.kernel.block,), f"{self.name} was compiled for blocks of {self.kernel.block} threads"
        f32 = self.kernel.precision == "f32"
        for j, (c, node) in enumerate(zip(columns, plan.columns, strict=False)):  # what the kernel reads
            want = np.dtype((np.complex64 if f32 else np.complex128) if node.dtype == "complex"
                            else (np.float32 if f32 else np.float64))
            if c.dtype != want or not c.flags.c_contiguous:
                raise TypeError(f"{self.name}: argument c{j} is {c.dtype} (contiguous: {c.flags.c_contiguous}); "
                                f"the kernel reads {want}")
        for label, a in (("p", params), ("w", weights), ("partial", partial)):
            if a.dtype != np.float64 or not a.flags.c_contiguous:
                raise TypeError(f"{self.name}: argument {label} is {a.dtype}; the kernel reads contiguous float64")
        assert len(columns) == len(plan.columns) and isinstance(n, np.int64) and int(n) == weights.shape[0]
        assert all(c.shape[0] == int(n) for c in columns) and partial.shape[0] >= grid[0]
        assert isinstance(log, np.int32) and isinstance(grad, np.int32)
        pointers = (ctypes.c_void_p * max(len(columns), 1))(*[c.ctypes.data for c in columns])
        self.kernel.lib.gl_run(ctypes.c_uint(grid[0]), _ptr(params), _ptr(weights), pointers, ctypes.c_longlong(int(n)),
                               ctypes.c_int(int(log)), ctypes.c_int(int(grad)), _ptr(partial))


def _ptr(a: np.ndarray) -> Any:
    assert a.dtype == np.float64 and a.flags.c_contiguous
    return a.ctypes.data_as(_DOUBLE_P)


#: ``cupy`` functions that take host data on purpose (explicit copies to the device)
HOST_INPUT = frozenset({"array", "asarray", "asnumpy"})


def _wrap(fn: Any, name: str = "") -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if name not in HOST_INPUT:
            _reject_host(f"cupy.{name}", (*args, *kwargs.values()))
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            return tuple(_device(o) if type(o) is np.ndarray else o for o in out)
        return _device(out) if type(out) is np.ndarray else out

    return wrapped


def make_modules() -> tuple[types.ModuleType, types.ModuleType]:
    """Fresh ``cupy`` and ``cupyx`` stand-ins."""
    cupy = types.ModuleType("cupy")
    for name in ("float64", "float32", "complex64", "complex128", "int64", "int32", "float_"):
        if hasattr(np, name):
            setattr(cupy, name, getattr(np, name))
    cupy.__getattr__ = lambda name: _wrap(getattr(np, name), name) if callable(getattr(np, name)) else getattr(np, name)
    cupy.__file__ = __file__
    cupy.ndarray = DeviceArray
    cupy.is_available = lambda: True
    cupy.asarray = lambda a, dtype=None: a if isinstance(a, DeviceArray) and dtype in (None, a.dtype) else _device(
        np.array(np.asarray(a), dtype=dtype))
    def ascontiguousarray(a: Any, dtype: Any = None) -> DeviceArray:
        if not isinstance(a, DeviceArray):
            raise TypeError(f"cupy.ascontiguousarray takes a device array, not {type(a).__name__} "
                            "(a host array goes to the device with cupy.asarray)")
        if a.flags.c_contiguous and dtype in (None, a.dtype):
            return a
        return _device(np.ascontiguousarray(a.view(np.ndarray), dtype=dtype))

    cupy.ascontiguousarray = ascontiguousarray
    cupy.asnumpy = lambda a, stream=None: np.array(np.asarray(a).view(np.ndarray))
    cupy.RawKernel = RawKernel
    cupy.get_default_memory_pool = MemoryPool
    runtime = types.SimpleNamespace(
        memGetInfo=lambda: (1 << 34, 1 << 35), getDeviceCount=lambda: 1, CUDARuntimeError=CUDARuntimeError,
        runtimeGetVersion=lambda: 13000, driverGetVersion=lambda: 13000,
        getDeviceProperties=lambda i: {"multiProcessorCount": SM_COUNT[0], "name": b"fake", "major": 9, "minor": 0,
                                       "totalGlobalMem": 1 << 35, "regsPerMultiprocessor": 65536,
                                       "maxThreadsPerMultiProcessor": 2048, "maxBlocksPerMultiProcessor": 32,
                                       "sharedMemPerMultiprocessor": 233472, "reservedSharedMemPerBlock": 1024})
    cupy.cuda = types.SimpleNamespace(
        Device=Device, Stream=Stream, Event=Event, MemoryPool=MemoryPool, using_allocator=using_allocator,
        get_current_stream=get_current_stream, runtime=runtime,
        memory=types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError))
    cupyx = types.ModuleType("cupyx")
    cupyx.empty_pinned = lambda n, dtype=np.float64: np.empty(n, dtype=dtype)
    return cupy, cupyx


def install() -> None:
    """Replace ``cupy``/``cupyx`` process-wide by the stand-in (``GPU_LADDU_FAKE_CUPY=1 pytest -m gpu``):
    the GPU-marked tests then run their CuPy paths on the CPU, kernels in the CUDA emulator."""
    import sys

    cupy, cupyx = make_modules()
    sys.modules.update({"cupy": cupy, "cupyx": cupyx})
    import gpu_laddu.backends.cupy_backend as backend

    emit = backend.emit_cuda

    def recording_emit(plan: Any, precision: str = "f64", *args: Any, **kwargs: Any) -> str:
        PLANS[plan.name] = (plan, precision)
        return emit(plan, precision, *args, **kwargs)

    backend.emit_cuda = recording_emit  # type: ignore[assignment]
