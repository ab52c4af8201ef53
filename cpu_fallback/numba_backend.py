"""The ``numba`` backend: numpy arrays, likelihood kernels compiled with Numba.

Importing this module sets ``OMP_WAIT_POLICY=PASSIVE`` unless the user chose a policy:
with libgomp's default, Numba's OpenMP workers and the Python thread that launches the
kernels contend for the cores, and a likelihood call on two cores measured 1.3 ms at best
but 8 ms as a median (a scheduler tick); with either explicit policy it is 1.3-1.4 ms.
The variable must be set before Numba loads its OpenMP threading layer.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402  (import here so a missing numba is reported by the registry)

from gpu_laddu.backends.base import HostBackend


class NumbaBackend(HostBackend):
    """Host arrays; the per-call likelihood runs as fused ``njit(nogil=True)`` kernels on several threads.

    Examples
    --------
    >>> NumbaBackend().name
    'numba'
    """

    name = "numba"


def set_num_threads(n: int) -> int:
    """Set Numba's thread count; return the previous value."""
    previous = int(numba.get_num_threads())
    available = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    wanted = max(1, min(int(n), available))
    if wanted != previous:
        numba.set_num_threads(wanted)
    return previous
