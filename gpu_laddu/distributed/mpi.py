"""MPI communicator (mpi4py) on a private clone of ``COMM_WORLD`` (the only mpi4py importer).

Only aggregates are reduced by default: a likelihood call all-reduces one host vector of
1 + n_parameters doubles, so device (cupy) arrays are always staged through host memory
(CUDA-aware MPI would save nothing on a few hundred bytes; ``comm="nccl"`` reduces on the GPUs).
Creating a communicator on more than one rank installs an exception hook that aborts the
whole job (``MPI.COMM_WORLD.Abort``) with the failing rank's message, so one failing rank
never leaves the others hanging in a collective.

Examples
--------
>>> comm = MpiCommunicator()  # doctest: +SKIP
>>> comm.allreduce_sum(np.ones(2))  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import Any, NoReturn

import numpy as np
from mpi4py import MPI

from gpu_laddu.errors import CommunicationError


def _to_host(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if hasattr(values, "get"):  # cupy array
        return np.asarray(values.get())
    return np.asarray(values)


class MpiCommunicator:
    """Collectives over MPI.

    Parameters
    ----------
    comm : mpi4py communicator, optional
        Cloned on construction (default ``MPI.COMM_WORLD``).
    """

    name = "mpi"

    def __init__(self, comm: Any = None) -> None:
        self._comm = (comm if comm is not None else MPI.COMM_WORLD).Clone()
        self.rank = int(self._comm.Get_rank())
        self.size = int(self._comm.Get_size())
        self.bytes_sent = 0
        if self.size > 1:
            install_abort_hook()

    def allreduce_sum(self, values: Any) -> np.ndarray:
        host = np.ascontiguousarray(_to_host(values), dtype=np.float64)
        out = np.empty_like(host)
        self._comm.Allreduce(host, out, op=MPI.SUM)
        self.bytes_sent += host.nbytes
        return out

    def allgatherv(self, values: Any) -> np.ndarray:
        host = np.ascontiguousarray(_to_host(values))
        counts = np.array(self._comm.allgather(int(host.shape[0])), dtype=np.int64)
        dtypes = self._comm.allgather(host.dtype.str)
        if len(set(dtypes)) != 1:
            raise CommunicationError(f"allgatherv: ranks hold different dtypes {dtypes}")
        row = int(np.prod(host.shape[1:], dtype=np.int64)) if host.ndim > 1 else 1
        out = np.empty((int(counts.sum()), *host.shape[1:]), dtype=host.dtype)
        sizes = counts * row
        displs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self._comm.Allgatherv(host.reshape(-1), [out.reshape(-1), (sizes, displs)])
        self.bytes_sent += host.nbytes
        return out

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return self._comm.bcast(obj, root=root)

    def abort(self, code: int = 1) -> NoReturn:
        MPI.COMM_WORLD.Abort(code)
        raise SystemExit(code)  # pragma: no cover - Abort does not return


_HOOK_INSTALLED = False


def install_abort_hook() -> None:
    """Make an uncaught exception on any rank print its traceback and abort the whole job."""
    global _HOOK_INSTALLED
    if _HOOK_INSTALLED:
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        rank = MPI.COMM_WORLD.Get_rank()
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(f"[gpu_laddu rank {rank}] aborting the job after an uncaught exception:\n{text}")
        sys.stderr.flush()
        if previous is not sys.__excepthook__:
            previous(kind, exc, tb)
        MPI.COMM_WORLD.Abort(1)

    sys.excepthook = hook
    _HOOK_INSTALLED = True
