"""Parquet reading (projected, row-group streamed, rank-partitioned) and writing.

:func:`read_parquet` reads only the columns the Dataset needs and only the row groups that
overlap this rank's contiguous share of the events
(:func:`gpu_laddu.distributed.comm.partition` of the row count in the file's metadata), so no
rank reads the whole file.  When this rank's share is exactly one row group, it is read one
four-vector at a time, each checked on a worker thread while the next is decoded, and its
float64 columns are used without a copy on the CPU backends.  Otherwise the row groups are
decoded one at a time and copied into preallocated columns (on a worker thread, while the next
is decoded), and checked block by block (peak memory: the columns plus two row groups); a row
group shared with another rank is decoded in batches of 65536 rows, of which only this rank's
are kept (Parquet cannot skip rows inside a row group, so the others are still decoded).

Examples
--------
>>> import numpy as np, tempfile, os, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(p4s={"k": np.array([[1.0, 0.0, 0.0, 0.5]])}, scalars={"pol_angle": np.array([0.3])},
...                    weights=np.array([-1.0]), ctx=ctx)
>>> path = os.path.join(tempfile.mkdtemp(), "events.parquet")
>>> write_parquet(ds, path)
>>> back = read_parquet(path, ctx=ctx)
>>> back.p4_names, back.scalar_names, back.weights.tolist()
(('k',), ('pol_angle',), [-1.0])
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.arrow import HostColumns, arrow_fields, fill_columns, ingest, recorded_tolerances, table_columns
from gpu_laddu.data.dataset import Dataset
from gpu_laddu.data.ops import arrow_schema
from gpu_laddu.data.schema import ColumnPlan, Selection, check_nulls_policy, resolve_columns
from gpu_laddu.data.validate import Validator, check_m2_tolerance
from gpu_laddu.distributed.comm import partition
from gpu_laddu.errors import DataError
from gpu_laddu.progress import progress_bar

#: rows per row group written by :func:`write_parquet` (pyarrow's default; large groups read fastest)
ROW_GROUP_SIZE = 1 << 20
_READ_BUFFER = 1 << 20
_BATCH_ROWS = 1 << 16  # rows per batch when only part of a row group belongs to this rank


def _open(path: str | os.PathLike[str]) -> pq.ParquetFile:
    source = os.fspath(path)
    if not os.path.exists(source):
        raise DataError(f"{source}: no such file")
    if os.path.isdir(source):
        raise DataError(f"{source}: is a directory, not a Parquet file")
    try:
        # without pre-buffering, column chunks are read through a small buffer instead of whole
        return pq.ParquetFile(source, pre_buffer=False, buffer_size=_READ_BUFFER)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{source}: not a readable Parquet file ({exc})") from exc


def read_parquet(
    path: str | os.PathLike[str],
    *,
    ctx: ExecutionContext | None = None,
    p4s: Selection = None,
    scalars: Selection = None,
    weight: str | None = "weight",
    nulls: str = "error",
    check_finite: bool = True,
    progress: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Read this rank's share of a Parquet file into a Dataset on ``ctx``'s device.

    Parameters
    ----------
    path : str or path-like
    ctx : ExecutionContext, optional
        Defaults to :func:`gpu_laddu.default_context`.
    p4s : list of names, mapping {name: column prefix}, or None
        ``None`` infers every complete ``X_e, X_px, X_py, X_pz`` group (suffixes matched
        case-insensitively).  A requested four-vector with a missing component is an error.
        For the older laddu layout (``p4_{i}_E``, ...), a list of names renames ``p4_0, p4_1, ...``.
    scalars : list of names, mapping {name: column}, or None
        ``None``: every other floating-point column (``aux_{i}_x/y/z`` of the old layout
        included).  Integer columns are read only when named here.
    weight : str or None
        Weight column; an absent ``"weight"`` means unit weights; ``None`` ignores it.
    nulls : {"error", "nan"}
        Null values raise, or become NaN (which then needs ``check_finite=False``).
    check_finite : bool
        Reject NaN/inf, naming the column and the first bad row of the file.
    progress : bool
        A progress bar over the rows of a file of several row groups (shown on rank 0 when
        stderr is a terminal).
    m2_tolerance : float or None
        Relative tolerance of the mass-shell check m² >= -tol·E², for every four-vector.
        ``None`` (default): 1e-9 for float64 columns, 8·eps of the precision for float32/float16
        columns, or the tolerance :func:`write_parquet` recorded in the file (a Dataset read from
        float32 or with a relaxed tolerance keeps it), whichever is larger.  Give a larger value
        to accept four-momenta that are further off shell.

    Returns
    -------
    Dataset
        ``n_events_global`` is the file's row count.

    Raises
    ------
    DataError
        Missing or corrupt file, missing/ambiguous/non-numeric requested columns, nulls,
        non-finite values or weights, unphysical four-momenta, an empty file.

    Examples
    --------
    >>> import pyarrow as pa, pyarrow.parquet as pq, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "old.parquet")
    >>> cols = {f"p4_0_{c}": [1.0, 2.0] for c in ("Px", "Py", "Pz")}
    >>> pq.write_table(pa.table({"p4_0_E": [3.0, 4.0], **cols, "aux_0_x": [0.3, 0.4]}), path)
    >>> ds = read_parquet(path, p4s=["beam"])
    >>> ds.p4_names, ds.scalar_names
    (('beam',), ('aux_0_x',))
    """
    ctx = resolve_context(ctx)
    check_nulls_policy(nulls)
    m2_tolerance = check_m2_tolerance(m2_tolerance)
    source = os.fspath(path)
    with _open(source) as pf:
        return _read(pf, ctx, source, p4s=p4s, scalars=scalars, weight=weight, nulls=nulls, check_finite=check_finite,
                     progress=progress, m2_tolerance=m2_tolerance)


def _read(pf: pq.ParquetFile, ctx: ExecutionContext, source: str, *, p4s: Selection, scalars: Selection,
          weight: str | None, nulls: str, check_finite: bool, progress: bool = False,
          m2_tolerance: float | None = None) -> Dataset:
    schema = pf.schema_arrow
    plan = resolve_columns(arrow_fields(schema, source), p4s=p4s, scalars=scalars, weight=weight, source=source)
    recorded = recorded_tolerances(schema, source)
    metadata = pf.metadata
    n_global = int(metadata.num_rows)
    if n_global == 0:
        raise DataError(f"{source}: the dataset is empty (the file has no rows)")
    start, stop = partition(n_global, ctx.rank, ctx.size)
    groups = list(_overlapping_row_groups(metadata, start, stop))
    whole = len(groups) == 1 and groups[0][1] == 0 and groups[0][2] == groups[0][3]
    if whole:  # this rank's share is exactly one row group: no copies, checks overlap the reading
        host = _read_whole_group(pf, groups[0][0], plan, ctx.threads, nulls=nulls, check_finite=check_finite,
                                 source=source, row_offset=start, recorded=recorded, m2_tolerance=m2_tolerance)
        validated = True
    else:
        with progress_bar(progress, ctx.rank, total=stop - start, unit="ev", desc="read_parquet") as bar:
            host, validated = _read_stream(pf, groups, plan, ctx.threads, stop - start, nulls=nulls,
                                           check_finite=check_finite, source=source, row_offset=start, bar=bar,
                                           recorded=recorded, m2_tolerance=m2_tolerance,
                                           empty=ctx.resources.empty_host)
    return ingest(ctx, plan, host, check_finite=check_finite, source=source, n_events_global=n_global,
                  global_start=start, row_offset=start, validated=validated, m2_tolerance=m2_tolerance)


def _read_stream(pf: pq.ParquetFile, groups: list[tuple[int, int, int, int]], plan: ColumnPlan, threads: int,
                 n_rows: int, *, nulls: str, check_finite: bool, source: str, row_offset: int, bar: Any,
                 recorded: dict[str, float], m2_tolerance: float | None,
                 empty: Any = None) -> tuple[HostColumns, bool]:
    """Decode row groups into preallocated columns; copy and check each on worker threads meanwhile.

    ``empty(n)`` allocates the columns: the context's ``resources.empty_host`` (pinned memory
    on a GPU, from which each column reaches the device in one asynchronous copy).

    Returns the columns and whether they passed the checks (if not, the caller checks the
    whole columns again, for a message that counts every bad value).
    """
    validator = Validator(plan.columns, check_finite=check_finite, always_finite=[plan.weight] if plan.weight else [],
                          source=source, row_offset=row_offset, threads=threads, n_rows=n_rows)
    in_p4 = {c for comps in plan.p4s.values() for c in comps}
    rest = [c for c in plan.columns if c not in in_p4]

    def check(host: HostColumns, lo: int, hi: int) -> None:
        for name, comps in plan.p4s.items():
            validator.p4(name, {c: host.arrays[c][lo:hi] for c in comps}, host.p4_tolerance(comps, m2_tolerance),
                         row0=lo)
        for c in rest:
            validator.column(c, host.arrays[c][lo:hi], row0=lo)

    columns = list(plan.columns)
    host = fill_columns(columns, _stream(pf, groups, columns, source, bar), n_rows, nulls=nulls, source=source,
                        row_offset=row_offset, background=threads > 1, on_filled=check, recorded=recorded,
                        empty=empty)
    try:
        validator.finish()
    except DataError:
        return host, False
    return host, True


def _read_whole_group(pf: pq.ParquetFile, index: int, plan: ColumnPlan, threads: int, *, nulls: str,
                      check_finite: bool, source: str, row_offset: int, recorded: dict[str, float],
                      m2_tolerance: float | None) -> HostColumns:
    """Read one row group a four-vector at a time, checking each on a worker thread meanwhile.

    Besides overlapping decoding and checking, reading in column groups keeps Arrow's decoding
    scratch memory small.
    """
    n_rows = pf.metadata.row_group(index).num_rows
    validator = Validator(plan.columns, check_finite=check_finite, always_finite=[plan.weight] if plan.weight else [],
                          source=source, row_offset=row_offset, threads=threads, n_rows=n_rows)
    host = HostColumns({}, {}, recorded)
    in_p4 = {c for comps in plan.p4s.values() for c in comps}
    rest = [c for c in plan.columns if c not in in_p4]
    for name, comps in [*plan.p4s.items(), ("", tuple(rest))]:
        todo = [c for c in dict.fromkeys(comps) if c not in host.arrays]
        if todo:
            part = table_columns(_read_group(pf, index, todo, source), todo, nulls=nulls, source=source,
                                 row_offset=row_offset)
            host.arrays.update(part.arrays)
            host.eps.update(part.eps)
        if name:
            validator.p4(name, {c: host.arrays[c] for c in comps}, host.p4_tolerance(comps, m2_tolerance))
    for c in rest:
        validator.column(c, host.arrays[c])
    validator.finish()
    return host


def _overlapping_row_groups(metadata: Any, start: int, stop: int) -> Iterator[tuple[int, int, int, int]]:
    """(row group, first row to keep, rows to keep, rows in the group) for [start, stop)."""
    first = 0
    for i in range(metadata.num_row_groups):
        rows = metadata.row_group(i).num_rows
        lo, hi = max(start, first), min(stop, first + rows)
        if lo < hi:
            yield i, lo - first, hi - lo, rows
        first += rows


def _read_group(pf: pq.ParquetFile, index: int, columns: list[str], source: str) -> pa.Table:
    try:
        return pf.read_row_group(index, columns=columns, use_threads=True)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{source}: cannot read row group {index} ({exc})") from exc


def _stream(pf: pq.ParquetFile, groups: list[tuple[int, int, int, int]], columns: list[str], source: str,
            bar: Any) -> Iterator[pa.Table | pa.RecordBatch]:
    """Whole row groups at once; a group this rank shares with another in batches, keeping its part."""
    for index, offset, length, rows in groups:
        bar.update(length)
        if offset == 0 and length == rows:
            yield _read_group(pf, index, columns, source)
            continue
        pos = 0
        try:
            for batch in pf.iter_batches(batch_size=_BATCH_ROWS, row_groups=[index], columns=columns,
                                         use_threads=True):
                lo, hi = max(offset - pos, 0), min(offset + length - pos, batch.num_rows)
                if lo < hi:
                    yield batch.slice(lo, hi - lo)
                pos += batch.num_rows
                if pos >= offset + length:
                    break
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{source}: cannot read row group {index} ({exc})") from exc


def write_parquet(dataset: Dataset, path: str | os.PathLike[str], *, row_group_size: int = ROW_GROUP_SIZE,
                  compression: str = "snappy") -> None:
    """Write a Dataset to one Parquet file with laddu's column names (float64, bit-exact).

    Four-vector ``X`` becomes ``X_e, X_px, X_py, X_pz``, scalars keep their names, and
    ``weight`` is written only when the dataset has explicit weights.  Names that would read
    back as something else (a scalar ``weight`` or ``Weight``, a scalar ``k_PX`` next to
    four-vector ``k``, ...) are a :class:`DataError` (see :meth:`Dataset.to_arrow`).  A
    four-vector checked with a mass-shell tolerance above 1e-9 (float32 input, or a relaxed
    ``m2_tolerance=``) records it in its columns' metadata, so the file reads back.  Under MPI
    the events of all ranks are gathered (in rank order) and rank 0 writes the file.

    Parameters
    ----------
    dataset : Dataset
    path : str or path-like
    row_group_size : int
        Rows per row group (MPI readers read whole row groups).
    compression : str
        Any codec pyarrow supports (``"snappy"``, ``"zstd"``, ``"none"``, ...).

    Examples
    --------
    >>> import numpy as np, tempfile, os, gpu_laddu as gl, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "x.parquet")
    >>> write_parquet(gl.from_numpy(scalars={"x": np.arange(3.0)}), path, row_group_size=2)
    >>> pq.ParquetFile(path).metadata.num_row_groups
    2
    """
    if row_group_size < 1:
        raise DataError(f"row_group_size must be positive, not {row_group_size}")
    comm = dataset.ctx.comm
    try:
        table = dataset.to_arrow()
    except DataError as exc:
        raise DataError(f"{os.fspath(path)}: {str(exc).removeprefix('to_arrow: ')}") from None
    if comm.size > 1:  # every rank's events, and the largest m² tolerance of each four-vector over the ranks
        local = np.array([dataset.m2_tolerances[n] for n in dataset.p4_names], dtype=np.float64)
        ranks = np.asarray(comm.allgatherv(local)).reshape(-1, len(local)) if len(local) else np.empty((1, 0))
        tolerances = dict(zip(dataset.p4_names, ranks.max(axis=0).tolist()))
        table = pa.table({name: comm.allgatherv(table.column(name).to_numpy()) for name in table.column_names},
                         schema=arrow_schema(dataset, tolerances))
    error = None
    if comm.rank == 0:
        try:
            pq.write_table(table, os.fspath(path), row_group_size=row_group_size, compression=compression)
        except (pa.ArrowException, OSError, ValueError) as exc:
            error = f"{os.fspath(path)}: cannot write Parquet file ({exc})"
    error = comm.bcast(error, root=0)
    if error is not None:
        raise DataError(error)
