"""The Backend protocol: what the rest of the library may ask of an array backend.

A backend owns an array namespace (``xp``: numpy or cupy) and knows how to move host
arrays onto its device and back.  Everything device-generic is written against ``xp``;
only the fused likelihood kernels are backend-specific.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


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
