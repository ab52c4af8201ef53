"""Data out: ``write_root`` (a flat TTree through uproot) and ``concat`` (datasets joined event-wise).

``write_root`` writes the columns :func:`gpu_laddu.write_parquet` writes (laddu's names:
``X_e, X_px, X_py, X_pz`` per four-vector, the scalars, ``weight`` when explicit), as float64
branches of one TTree that :func:`gpu_laddu.read_root` reads back.  Under MPI the events of
all ranks are gathered (in rank order) and rank 0 writes the file.

Examples
--------
>>> import numpy as np, tempfile, os, gpu_laddu as gl
>>> a = gl.from_numpy(scalars={"x": np.array([1.0, 2.0])})
>>> b = gl.from_numpy(scalars={"x": np.array([3.0])}, weights=np.array([0.5]))
>>> both = concat([a, b])
>>> both.scalar("x").tolist(), both.weights.tolist()
([1.0, 2.0, 3.0], [1.0, 1.0, 0.5])
>>> path = os.path.join(tempfile.mkdtemp(), "out.root")
>>> write_root(both, path)
>>> gl.read_root(path).weights.tolist()
[1.0, 1.0, 0.5]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from gpu_laddu.data.dataset import Dataset
from gpu_laddu.errors import BackendUnavailableError, ContextError, DataError

_CHUNK = 1 << 20


def write_root(dataset: Dataset, path: str | os.PathLike[str], *, tree: str = "events") -> None:
    """Write a Dataset to a ROOT file as one flat TTree of float64 branches (uproot).

    Parameters
    ----------
    dataset : Dataset
    path : str or path-like
        The file is created (replaced if it exists).
    tree : str
        The TTree's name.

    Raises
    ------
    BackendUnavailableError
        uproot is not installed (``pip install gpu_laddu[root]``).
    DataError
        An empty tree name, or the file cannot be written.
    """
    if not isinstance(tree, str) or not tree:
        raise DataError(f"tree must be a non-empty name, not {tree!r}")
    try:
        import uproot
    except ImportError as exc:
        raise BackendUnavailableError("writing ROOT files needs uproot: pip install 'gpu_laddu[root]'") from exc
    comm = dataset.ctx.comm
    table = dataset.to_arrow()
    columns = {name: np.asarray(table.column(name).to_numpy(), dtype=np.float64) for name in table.column_names}
    if comm.size > 1:
        columns = {name: np.asarray(comm.allgatherv(col), dtype=np.float64) for name, col in columns.items()}
    error = None
    if comm.rank == 0:
        target = os.fspath(path)
        try:
            with uproot.recreate(target) as f:
                f.mktree(tree, {name: np.float64 for name in columns})
                n = len(next(iter(columns.values()))) if columns else 0
                for lo in range(0, n, _CHUNK):
                    f[tree].extend({name: col[lo:lo + _CHUNK] for name, col in columns.items()})
        except (OSError, ValueError, TypeError) as exc:
            error = f"{target}: cannot write ROOT file ({type(exc).__name__}: {exc})"
    error = comm.bcast(error, root=0)
    if error is not None:
        raise DataError(error)


def concat(datasets: Sequence[Dataset]) -> Dataset:
    """The events of several datasets, one after the other (e.g. run periods, or files read apart).

    All must be on one context and have the same four-vector and scalar names.  Weights are
    kept (a dataset with unit weights contributes ones when another has explicit weights).
    Under MPI each rank joins its own shares, so the global event order is rank-major.

    Raises
    ------
    DataError
        No datasets, or different column names.
    ContextError
        Datasets on different contexts.
    """
    parts = list(datasets)
    if not parts:
        raise DataError("concat needs at least one dataset")
    bad = [type(d).__name__ for d in parts if not isinstance(d, Dataset)]
    if bad:
        raise DataError(f"concat takes Datasets, got {bad}")
    first = parts[0]
    ctx = first.ctx
    for i, d in enumerate(parts[1:], start=1):
        if d.ctx is not ctx:
            raise ContextError(f"dataset {i} is on another ExecutionContext; move it with dataset.to(ctx)")
        if set(d.p4_names) != set(first.p4_names) or set(d.scalar_names) != set(first.scalar_names):
            raise DataError(f"dataset {i} has columns p4s={list(d.p4_names)}, scalars={list(d.scalar_names)}; "
                            f"dataset 0 has p4s={list(first.p4_names)}, scalars={list(first.scalar_names)}")
    xp = ctx.xp

    def join(arrays: list[Any]) -> Any:
        return xp.concatenate([xp.asarray(a, dtype=np.float64) for a in arrays])

    p4s = {name: tuple(join([d.p4(name)[k] for d in parts]) for k in range(4)) for name in first.p4_names}
    scalars = {name: join([d.scalar(name) for d in parts]) for name in first.scalar_names}
    explicit = any(d.has_explicit_weights for d in parts)
    weights = join([d.weights for d in parts]) if explicit else None
    n_global = sum(d.n_events_global for d in parts)
    return Dataset(ctx, p4s, scalars, weights, n_events_global=n_global)
