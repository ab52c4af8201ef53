"""Test helpers for the data layer: physical random events and a fake rank communicator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

import gpu_laddu as gl

P4_NAMES = ("beam", "kshort1", "kshort2", "proton")
MASSES = {"beam": 0.0, "kshort1": 0.497611, "kshort2": 0.497611, "proton": 0.938272}


def event_columns(n: int, seed: int = 0, *, names: tuple[str, ...] = P4_NAMES) -> dict[str, np.ndarray]:
    """Random physical four-vectors (laddu column names), polarisation scalars and signed weights."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for name in names:
        p = rng.normal(size=(3, n))
        m = MASSES.get(name, 0.14)
        cols[f"{name}_e"] = np.sqrt(m * m + (p * p).sum(axis=0))
        cols[f"{name}_px"], cols[f"{name}_py"], cols[f"{name}_pz"] = p
    cols["pol_magnitude"] = rng.uniform(0.0, 1.0, n)
    cols["pol_angle"] = rng.uniform(-np.pi, np.pi, n)
    cols["weight"] = rng.normal(0.5, 1.0, n)  # about 30% negative: background subtraction
    return cols


def event_table(n: int, seed: int = 0, **kwargs: Any) -> pa.Table:
    """:func:`event_columns` as an Arrow table."""
    return pa.table(event_columns(n, seed, **kwargs))


class FakeComm:
    """One rank of a pretend MPI job: collectives act on this rank's data only.

    Enough for readers (which take counts from file metadata) and for checking that each
    rank reads only its share; the tests combine the ranks' results themselves.
    """

    name = "fake"

    def __init__(self, rank: int, size: int) -> None:
        self.rank = rank
        self.size = size

    def allreduce_sum(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    def allgatherv(self, values: np.ndarray) -> np.ndarray:
        raise AssertionError("allgatherv needs the other ranks; the code under test should not need it here")

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return obj

    def abort(self, code: int = 1) -> Any:
        raise SystemExit(code)


def rank_contexts(size: int) -> list[gl.ExecutionContext]:
    """numpy contexts for ranks 0 .. size-1 of a pretend job."""
    return [gl.ExecutionContext(device="cpu", backend="numpy", comm=FakeComm(r, size)) for r in range(size)]
