"""The Backend protocol: what the rest of the library may ask of an array backend.

A backend owns an array namespace (``xp``: numpy or cupy) and knows how to move host
arrays onto its device and back.  Everything device-generic is written against ``xp``;
only the fused likelihood kernels are backend-specific.  Per context, a backend makes
:class:`DeviceResources`: the memory budget, the stream and memory pool (on a GPU) and the
transfers through them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gpu_laddu.backends.chunking import MemoryBudget, resolve_budget


@runtime_checkable
class DeviceResources(Protocol):
    """What one context holds on its device.

    Attributes
    ----------
    memory : MemoryBudget
        The context's byte budget and its use.
    stream : object or None
        The context's CUDA stream (``None`` on the CPU).
    """

    memory: MemoryBudget
    stream: Any

    def scope(self) -> AbstractContextManager[None]:
        """Make the device, memory pool and stream current for the block (no-op on the CPU)."""
        ...

    def to_device(self, host: np.ndarray) -> Any:
        """One host→device copy of ``host`` (a view on the CPU)."""
        ...

    def empty_host(self, n: int, dtype: Any = np.float64) -> np.ndarray:
        """A host array for data bound to the device (pinned memory on a GPU)."""
        ...

    def to_host(self, array: Any, out: np.ndarray) -> None:
        """Copy a device array into the host array ``out``."""
        ...

    def synchronize(self) -> None:
        """Wait for the context's queued device work."""
        ...

    def close(self) -> None:
        """Release cached memory."""
        ...


@runtime_checkable
class Backend(Protocol):
    """Array backend interface.

    Attributes
    ----------
    name : str
        ``"numpy"``, ``"numba"`` or ``"cupy"``.
    device_kind : str
        ``"cpu"`` or ``"cuda"``.
    xp : module
        The array namespace (``numpy`` or ``cupy``).
    """

    name: str
    device_kind: str
    xp: Any

    def asarray(self, host: np.ndarray) -> Any:
        """Copy (or view) a host array onto the backend's device."""
        ...

    def to_numpy(self, array: Any) -> np.ndarray:
        """Bring a backend array back to host memory as numpy."""
        ...

    def synchronize(self) -> None:
        """Wait for queued device work to finish (no-op on CPU)."""
        ...

    def resources(self, device_id: int, memory_budget: int | None) -> DeviceResources:
        """The per-context resources on device ``device_id`` under ``memory_budget`` bytes."""
        ...


class HostResources:
    """Resources of a CPU context: host memory, a budget without a pool (see :class:`MemoryBudget`).

    Examples
    --------
    >>> import numpy as np
    >>> res = HostResources(None)
    >>> x = np.arange(3.0)
    >>> res.to_device(x) is x, res.memory.limit
    (True, None)
    """

    stream = None

    def __init__(self, memory_budget: int | None) -> None:
        self.memory = MemoryBudget(resolve_budget(memory_budget, None))

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        yield

    def to_device(self, host: np.ndarray) -> np.ndarray:
        return np.asarray(host)

    def empty_host(self, n: int, dtype: Any = np.float64) -> np.ndarray:
        return np.empty(n, dtype=dtype)

    def to_host(self, array: Any, out: np.ndarray) -> None:
        out[...] = array

    def synchronize(self) -> None:
        return None

    def close(self) -> None:
        return None


class HostBackend:
    """Shared implementation of the CPU backends (arrays are numpy arrays).

    Examples
    --------
    >>> import numpy as np
    >>> b = HostBackend()
    >>> b.asarray(np.arange(3.0)).sum()
    np.float64(3.0)
    """

    name = "numpy"
    device_kind = "cpu"
    xp: Any = np

    def asarray(self, host: np.ndarray) -> np.ndarray:
        return np.asarray(host)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def synchronize(self) -> None:
        return None

    def resources(self, device_id: int, memory_budget: int | None) -> HostResources:
        return HostResources(memory_budget)
