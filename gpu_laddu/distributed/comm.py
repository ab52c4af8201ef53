"""Communicator protocol and the single-process (Null) implementation.

Only aggregates cross the network: ``allreduce_sum`` of a small host vector per likelihood
call; ``allgatherv`` is used only when a caller explicitly asks for per-event outputs.

Examples
--------
>>> import numpy as np
>>> c = NullCommunicator()
>>> c.rank, c.size, c.allreduce_sum(np.array([1.0, 2.0])).tolist()
(0, 1, [1.0, 2.0])
"""

from __future__ import annotations

from typing import Any, NoReturn, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Communicator(Protocol):
    """What the library needs from a communicator."""

    rank: int
    size: int
    name: str

    def allreduce_sum(self, values: np.ndarray) -> np.ndarray:
        """Element-wise sum of a host float64 array over all ranks (result on every rank)."""
        ...

    def allgatherv(self, values: np.ndarray) -> np.ndarray:
        """Concatenate each rank's 1-D array in rank order (result on every rank)."""
        ...

    def bcast(self, obj: Any, root: int = 0) -> Any:
        """Broadcast a picklable object from ``root``."""
        ...

    def abort(self, code: int = 1) -> NoReturn:
        """Terminate the whole job."""
        ...


class NullCommunicator:
    """The communicator of a single process: every collective is the identity."""

    rank = 0
    size = 1
    name = "none"

    def allreduce_sum(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    def allgatherv(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values)

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return obj

    def abort(self, code: int = 1) -> NoReturn:
        raise SystemExit(code)


def partition(n_global: int, rank: int, size: int) -> tuple[int, int]:
    """Contiguous split of ``n_global`` rows as laddu does it: ``[start, stop)`` of ``rank``.

    Each rank gets ``n // size`` rows and the first ``n % size`` ranks one more.

    >>> [partition(10, r, 3) for r in range(3)]
    [(0, 4), (4, 7), (7, 10)]
    """
    base, extra = divmod(int(n_global), int(size))
    start = rank * base + min(rank, extra)
    stop = start + base + (1 if rank < extra else 0)
    return start, stop
