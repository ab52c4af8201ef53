"""Run a serial ``nogil`` Numba kernel over a range of tasks on several threads.

The generated likelihood kernels and the K-matrix precompute kernel are compiled *serial*
(``njit(nogil=True)``, no ``parallel=True``): Numba's parfor lowering compiles every loop
body twice and about doubles the compile time, which dominates a cold first use.  They take a
task range ``[lo, hi)`` instead, and :func:`run_tasks` cuts ``[0, n_tasks)`` into one
contiguous range per thread: the calling thread runs the first, a process-wide pool of
worker threads the others (the kernels release the GIL).  Each task writes its own output
row, so results do not depend on the thread count.

Examples
--------
>>> import numpy as np
>>> out = np.zeros(10)
>>> def kernel(lo, hi):
...     out[lo:hi] = np.arange(lo, hi)
>>> run_tasks(kernel, 10, threads=3)
>>> out.tolist() == list(range(10))
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    global _POOL, _POOL_SIZE
    with _LOCK:
        if _POOL is None or workers > _POOL_SIZE:
            _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gpu_laddu_kernel")
            _POOL_SIZE = workers
        return _POOL


def split(n_tasks: int, parts: int) -> list[tuple[int, int]]:
    """``[0, n_tasks)`` in ``parts`` contiguous ranges of near-equal length (empty ones left out).

    >>> split(5, 2)
    [(0, 2), (2, 5)]
    """
    parts = max(1, min(int(parts), int(n_tasks)))
    bounds = [n_tasks * k // parts for k in range(parts + 1)]
    return [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]


def run_tasks(kernel: Callable[[int, int], object], n_tasks: int, threads: int) -> None:
    """``kernel(lo, hi)`` over ``[0, n_tasks)``, cut into ``threads`` ranges run concurrently.

    Exceptions of any range are raised here, after every range has finished.
    """
    ranges = split(n_tasks, threads)
    if len(ranges) <= 1:
        for lo, hi in ranges:
            kernel(lo, hi)
        return
    pool = _pool(len(ranges) - 1)
    futures: list[Future[object]] = [pool.submit(kernel, lo, hi) for lo, hi in ranges[1:]]
    try:
        kernel(*ranges[0])
    finally:
        for f in futures:
            f.exception()  # wait for every range before the outputs are read (or freed)
    for f in futures:
        f.result()
