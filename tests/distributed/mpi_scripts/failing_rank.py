"""Run under mpiexec by tests/distributed/test_mpi_likelihood.py: rank 1 fails before a
collective that the other ranks enter; the job must abort quickly, not hang."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402

import gpu_laddu as gl  # noqa: E402

ctx = gl.ExecutionContext(device="cpu", backend="numpy", comm="mpi")
if ctx.rank == 1:
    raise RuntimeError("deliberate failure on rank 1")
ctx.comm.allreduce_sum(np.ones(3))  # the other ranks wait here until the abort
