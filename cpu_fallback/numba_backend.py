"""The ``numba`` backend: numpy arrays, likelihood kernels compiled with Numba."""

from __future__ import annotations

import numba  # noqa: F401  (import here so a missing numba is reported by the registry)

from gpu_laddu.backends.base import HostBackend


class NumbaBackend(HostBackend):
    """Host arrays; the per-call likelihood runs as one ``njit(parallel=True)`` kernel.

    Examples
    --------
    >>> NumbaBackend().name
    'numba'
    """

    name = "numba"


def set_num_threads(n: int) -> int:
    """Set Numba's thread count; return the previous value."""
    previous = int(numba.get_num_threads())
    numba.set_num_threads(max(1, min(int(n), int(numba.config.NUMBA_NUM_THREADS))))
    return previous
