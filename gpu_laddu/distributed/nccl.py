"""NCCL communicator: aggregates reduced on the GPUs with ``cupy.cuda.nccl``.

Bootstrapped by an MPI broadcast of the NCCL unique id; one GPU per rank (the context
selects it by local rank).  Per-event gathers (rare, explicit) go through MPI on the host.
NCCL cannot run several ranks on one GPU, so multi-rank runs are verified only on
multi-GPU machines; CI exercises this logic with a fake ``nccl`` module.

Examples
--------
>>> comm = NcclCommunicator()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from gpu_laddu.errors import BackendUnavailableError


class NcclCommunicator:
    """Collectives over NCCL, with MPI for bootstrap, broadcasts and gathers.

    Parameters
    ----------
    mpi : Communicator, optional
        The bootstrap communicator (default: a new :class:`MpiCommunicator`).
    nccl : module, optional
        ``cupy.cuda.nccl`` (injectable for tests).
    xp : module, optional
        ``cupy`` (injectable for tests).
    """

    name = "nccl"

    def __init__(self, mpi: Any = None, nccl: Any = None, xp: Any = None) -> None:
        if xp is None:
            import cupy

            xp = cupy
        if nccl is None:
            from cupy.cuda import nccl as nccl_module

            nccl = nccl_module
        if not getattr(nccl, "available", True):
            raise BackendUnavailableError(
                "comm='nccl' needs the NCCL library: pip install nvidia-nccl-cu13 (or use comm='mpi')"
            )
        if mpi is None:
            from gpu_laddu.distributed.mpi import MpiCommunicator

            mpi = MpiCommunicator()
        self._mpi = mpi
        self._xp = xp
        self._nccl = nccl
        self.rank = mpi.rank
        self.size = mpi.size
        uid = nccl.get_unique_id() if mpi.rank == 0 else None
        uid = mpi.bcast(uid, root=0)
        self._comm = nccl.NcclCommunicator(mpi.size, uid, mpi.rank)
        self.bytes_sent = 0

    def allreduce_sum(self, values: Any) -> np.ndarray:
        xp = self._xp
        dev = xp.ascontiguousarray(xp.asarray(values, dtype=xp.float64))
        stream = xp.cuda.get_current_stream().ptr
        self._comm.allReduce(dev.data.ptr, dev.data.ptr, dev.size, self._nccl.NCCL_FLOAT64,
                             self._nccl.NCCL_SUM, stream)
        self.bytes_sent += int(dev.nbytes)
        return np.asarray(xp.asnumpy(dev), dtype=np.float64)

    def allgatherv(self, values: Any) -> np.ndarray:
        return np.asarray(self._mpi.allgatherv(values))

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return self._mpi.bcast(obj, root=root)

    def abort(self, code: int = 1) -> NoReturn:
        self._mpi.abort(code)
        raise SystemExit(code)  # pragma: no cover - abort does not return
