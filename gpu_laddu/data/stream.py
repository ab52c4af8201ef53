"""A Parquet file read row group by row group: the accepted MC of a likelihood without keeping it.

:class:`ParquetStream` names a file and this rank's row groups (whole groups; under MPI each
rank takes the groups whose first row falls in its contiguous share of the rows, so each rank
reads only its own groups).  :meth:`ParquetStream.groups` yields one row group at a time as a
:class:`~gpu_laddu.data.dataset.Dataset`, checked as :func:`~gpu_laddu.data.parquet.read_parquet`
checks a file; the caller precomputes it, keeps what it summarises (normalisation integrals,
likelihood sums) and drops it, so memory holds one row group at a time.

Every pass checks that the file is the one first opened (size and modification time): a file
that changes between passes is refused with a :class:`~gpu_laddu.errors.DataError`, and so is
a bad event, naming the file, the row group and the row.  :meth:`ParquetStream.spill` writes an
in-memory Dataset to a local temporary Parquet file (removed with the stream) to stream it the
same way.

Examples
--------
>>> import numpy as np, tempfile, os, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.arange(10.0)}, ctx=ctx)
>>> path = os.path.join(tempfile.mkdtemp(), "mc.parquet")
>>> gl.write_parquet(ds, path, row_group_size=4)
>>> stream = ParquetStream(path, ctx=ctx)
>>> stream.n_events, [g.n_events for _, _, g in stream.groups()]
(10, [4, 4, 2])
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from typing import Any

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.arrow import arrow_fields, ingest
from gpu_laddu.data.dataset import Dataset
from gpu_laddu.data.schema import Selection, check_nulls_policy, resolve_columns
from gpu_laddu.distributed.comm import partition
from gpu_laddu.errors import DataError


def release_memory() -> None:
    """Hand freed memory back to the system between row groups: Arrow's pool keeps freed buffers, and
    glibc keeps freed heap chunks (its mmap threshold grows to 32 MiB, so a row group's arrays come
    from the heap), which would make the peak grow with the number of row groups."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _slice(ds: Dataset, lo: int, hi: int, first: int) -> Dataset:
    """Events ``[lo, hi)`` of a row group's Dataset, as views."""
    return Dataset(ds.ctx, {name: tuple(c[lo:hi] for c in ds.p4(name)) for name in ds.p4_names},
                   {name: ds.scalar(name)[lo:hi] for name in ds.scalar_names},
                   ds.weights[lo:hi] if ds.has_explicit_weights else None, hi - lo, global_start=first + lo)


def _stamp(source: str) -> tuple[int, int]:
    try:
        st = os.stat(source)
    except OSError as exc:
        raise DataError(f"{source}: cannot be read again for a streamed pass ({exc})") from exc
    return int(st.st_size), int(st.st_mtime_ns)


class ParquetStream:
    """This rank's row groups of a Parquet file, read one at a time (see the module docstring).

    Parameters
    ----------
    path : str or path-like
    ctx : ExecutionContext, optional
    p4s, scalars, weight, nulls, check_finite
        As for :func:`gpu_laddu.read_parquet`.
    local : bool
        All row groups belong to this rank (a file written by this rank alone, as a spill is).
    batch_rows : int
        Events per yielded part: a row group is read and checked whole, then handed out in
        slices of at most this many events, so that the precompute's working memory does not
        scale with the file's row-group size.

    Raises
    ------
    DataError
        As :func:`gpu_laddu.read_parquet` for the file and its columns (checked here, before any pass).
    """

    def __init__(self, path: str | os.PathLike[str], *, ctx: ExecutionContext | None = None, p4s: Selection = None,
                 scalars: Selection = None, weight: str | None = "weight", nulls: str = "error",
                 check_finite: bool = True, local: bool = False, batch_rows: int = 1 << 17,
                 m2_tolerance: float | None = None) -> None:
        from gpu_laddu.data.arrow import recorded_tolerances
        from gpu_laddu.data.parquet import _open
        from gpu_laddu.data.validate import check_m2_tolerance

        self._ctx = resolve_context(ctx)
        check_nulls_policy(nulls)
        if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
            raise DataError(f"batch_rows must be a positive integer, not {batch_rows!r}")
        self.batch_rows = batch_rows
        self.source = os.fspath(path)
        with _open(self.source) as pf:
            self._plan = resolve_columns(arrow_fields(pf.schema_arrow, self.source), p4s=p4s, scalars=scalars,
                                         weight=weight, source=self.source)
            self._options = {"nulls": nulls, "check_finite": check_finite,
                             "recorded": recorded_tolerances(pf.schema_arrow, self.source),
                             "m2_tolerance": check_m2_tolerance(m2_tolerance)}
            meta = pf.metadata
            sizes = [int(meta.row_group(i).num_rows) for i in range(meta.num_row_groups)]
        self._stamp = _stamp(self.source)
        n_global = sum(sizes)
        if n_global == 0:
            raise DataError(f"{self.source}: the dataset is empty (the file has no rows)")
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        lo, hi = (0, n_global) if local else partition(n_global, self._ctx.rank, self._ctx.size)
        #: (row group, first row in the file, rows) of this rank's groups
        self.row_groups: tuple[tuple[int, int, int], ...] = tuple(
            (i, s, n) for i, (s, n) in enumerate(zip(starts, sizes)) if lo <= s < hi and n)
        self.n_events = sum(n for _, _, n in self.row_groups)
        self.n_events_global = self.n_events if local else n_global
        self._cleanup: Any = None

    @property
    def ctx(self) -> ExecutionContext:
        """The context the row groups are read onto."""
        return self._ctx

    def check_unchanged(self) -> None:
        """Raise :class:`DataError` when the file's size or modification time changed since it was opened."""
        if _stamp(self.source) != self._stamp:
            raise DataError(f"{self.source}: the file changed (size or modification time) since it was first "
                            "read; a streamed sample must stay the same between passes")

    def groups(self) -> Iterator[tuple[int, int, Dataset]]:
        """``(row group, first row in the file, Dataset)`` of each of this rank's row groups, in order
        (a row group larger than :attr:`batch_rows` in consecutive slices)."""
        from gpu_laddu.data.parquet import _open, _read_whole_group

        self.check_unchanged()
        with _open(self.source) as pf:
            for index, first, rows in self.row_groups:
                try:
                    host = _read_whole_group(pf, index, self._plan, self._ctx.threads, source=self.source,
                                             row_offset=first, **self._options)  # type: ignore[arg-type]
                    ds = ingest(self._ctx, self._plan, host, check_finite=bool(self._options["check_finite"]),
                                source=self.source, n_events_global=rows, global_start=first, row_offset=first,
                                validated=True, m2_tolerance=self._options["m2_tolerance"])  # type: ignore[arg-type]
                except DataError as exc:
                    raise DataError(f"{self.source}, row group {index} (file rows {first}..{first + rows - 1}): "
                                    f"{exc}") from exc
                for lo in range(0, rows, self.batch_rows):
                    hi = min(lo + self.batch_rows, rows)
                    part = ds if hi - lo == rows else _slice(ds, lo, hi, first)
                    yield index, first + lo, part
                    del part
                    release_memory()
                del ds, host
        self.check_unchanged()

    @classmethod
    def spill(cls, dataset: Dataset, *, row_group_size: int = 1 << 20, directory: str | None = None
              ) -> ParquetStream:
        """This rank's events of ``dataset`` written to a local temporary Parquet file, as a stream
        (the file is removed when the stream is garbage-collected)."""
        import pyarrow.parquet as pq

        if row_group_size < 1:
            raise DataError(f"row_group_size must be positive, not {row_group_size}")
        folder = tempfile.mkdtemp(prefix="gpu_laddu_spill_", dir=directory)
        path = os.path.join(folder, "accmc.parquet")
        try:
            pq.write_table(dataset.to_arrow(), path, row_group_size=row_group_size)  # this rank's events only
            stream = cls(path, ctx=dataset.ctx, local=True)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        stream._cleanup = weakref.finalize(stream, shutil.rmtree, folder, True)
        return stream

    def __repr__(self) -> str:
        return f"ParquetStream({self.source!r}, row_groups={len(self.row_groups)}, n_events={self.n_events})"
