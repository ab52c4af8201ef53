"""Arrow ingestion: source columns -> float64 host columns -> a validated Dataset.

Every reader ends here.  A float64 column without nulls that arrives as one contiguous
Arrow buffer is *not copied*: on the CPU backends the Dataset column is a numpy view of the
Arrow memory (read-only, kept alive by the view).  On the cupy backend each column is
copied to the device once.  float32/float16 columns are widened to float64; integer columns
(read only when requested by name) are converted exactly (a value beyond 2**53 is an
error).  Null values raise (``nulls="error"``) or become NaN (``nulls="nan"``, which then
needs ``check_finite=False``).

Examples
--------
>>> import pyarrow as pa, numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> table = pa.table({"k_e": [1.0], "k_px": [0.0], "k_py": [0.0], "k_pz": [0.5], "w": [2.0]})
>>> ds = from_arrow(table, weight="w", ctx=ctx)
>>> ds.p4_names, ds.weights.tolist()
(('k',), [2.0])
>>> np.shares_memory(ds.p4("k")[0], table.column("k_e").chunk(0).to_numpy())
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.dataset import Dataset, build_dataset
from gpu_laddu.data.schema import ColumnPlan, ColumnType, Selection, check_nulls_policy, repeated_names, resolve_columns
from gpu_laddu.data.validate import check_m2_tolerance, m2_tolerance
from gpu_laddu.errors import DataError

_EXACT_INT = 2**53
#: field-metadata key under which :func:`gpu_laddu.write_parquet` records a four-vector's m² tolerance
TOLERANCE_KEY = b"gpu_laddu:m2_tolerance"


def arrow_column_type(dtype: pa.DataType) -> ColumnType:
    """Classify an Arrow type as ``float``, ``int`` or ``other``.

    A dictionary-encoded column is classified by its values (it is decoded when read).

    >>> arrow_column_type(pa.float32()), arrow_column_type(pa.string()).kind
    (ColumnType(kind='float', name='float'), 'other')
    >>> arrow_column_type(pa.dictionary(pa.int8(), pa.float64())).kind
    'float'
    """
    if pa.types.is_dictionary(dtype):
        return ColumnType(arrow_column_type(dtype.value_type).kind, str(dtype))
    if pa.types.is_floating(dtype):
        return ColumnType("float", str(dtype))
    if pa.types.is_integer(dtype):
        return ColumnType("int", str(dtype))
    return ColumnType("other", str(dtype))


def numpy_column_type(dtype: np.dtype) -> ColumnType:
    """Classify a numpy dtype as ``float``, ``int`` or ``other``.

    >>> numpy_column_type(np.dtype("int16"))
    ColumnType(kind='int', name='int16')
    """
    kind = {"f": "float", "i": "int", "u": "int"}.get(dtype.kind, "other")
    return ColumnType(kind, str(dtype))  # type: ignore[arg-type]


@dataclass
class HostColumns:
    """float64 host columns by source name, with the machine epsilon of each source dtype and
    the m² tolerances recorded in the source's schema (see :func:`recorded_tolerances`).

    >>> HostColumns({"x": np.zeros(2)}, {"x": 0.0}).n_rows
    2
    """

    arrays: dict[str, np.ndarray]
    eps: dict[str, float]
    recorded: dict[str, float] = field(default_factory=dict)

    def p4_tolerance(self, comps: Sequence[str], override: float | None = None) -> float:
        """The m² tolerance of the four-vector of columns ``comps``: ``override`` when given, else the
        larger of the one its source precision needs and the one recorded for its columns.

        >>> host = HostColumns({}, {"a": float(np.finfo(np.float32).eps), "b": 0.0}, {"b": 1e-4})
        >>> host.p4_tolerance(["a"]) == m2_tolerance(host.eps["a"]), host.p4_tolerance(["b"])
        (True, 0.0001)
        >>> host.p4_tolerance(["a"], 0.0)
        0.0
        """
        if override is not None:
            return override
        return max(m2_tolerance(max(self.eps[c] for c in comps)), *(self.recorded.get(c, 0.0) for c in comps))

    @property
    def n_rows(self) -> int:
        """Rows in every column (0 without columns)."""
        return len(next(iter(self.arrays.values()))) if self.arrays else 0


def to_float64(values: Any, name: str, *, nulls: str, row0: int, source: str) -> tuple[np.ndarray, float]:
    """One Arrow array or numpy array as float64 (a view when it already is), and its source eps.

    ``row0`` is the source row of ``values[0]``, for error messages.

    >>> to_float64(pa.array([1, None]), "n", nulls="nan", row0=0, source="demo")[0].tolist()
    [1.0, nan]
    >>> to_float64(pa.array([0.5, 0.25, 0.5]).dictionary_encode(), "d", nulls="error", row0=0, source="demo")[0]
    array([0.5 , 0.25, 0.5 ])
    """
    if isinstance(values, pa.DictionaryArray):
        values = values.dictionary_decode()
    if isinstance(values, pa.Array):
        if values.null_count:
            if nulls == "error":
                first = int(pc.index(values.is_null(), True).as_py())
                raise DataError(
                    f"{source}: column {name!r} has null values, the first at row {row0 + first}; "
                    "pass nulls='nan' to read them as NaN"
                )
            _check_exact_ints(values, name, source)
            values = pc.fill_null(values.cast(pa.float64()), np.nan)
        host = values.to_numpy(zero_copy_only=False)
    else:
        host = np.asarray(values)
        if host.ndim != 1:
            raise DataError(f"{source}: column {name!r} must be one-dimensional, got shape {host.shape}")
    if host.dtype.kind in "iu":
        _check_exact_ints(host, name, source)
        return host.astype(np.float64), 0.0
    eps = float(np.finfo(host.dtype).eps) if host.dtype != np.float64 else 0.0
    return host.astype(np.float64, copy=False), eps


def recorded_tolerances(schema: pa.Schema, source: str) -> dict[str, float]:
    """The m² tolerances that :func:`gpu_laddu.write_parquet` recorded in a schema's field metadata.

    A four-vector read from a lower precision (or with a relaxed ``m2_tolerance=``) keeps that
    tolerance when written: each of its component fields carries it under the metadata key
    ``gpu_laddu:m2_tolerance``, so the file reads back.

    >>> field = pa.field("k_e", pa.float64(), metadata={TOLERANCE_KEY: b"1e-06"})
    >>> recorded_tolerances(pa.schema([field, pa.field("x", pa.float64())]), "demo")
    {'k_e': 1e-06}
    """
    out: dict[str, float] = {}
    for f in schema:
        raw = (f.metadata or {}).get(TOLERANCE_KEY)
        if raw is None:
            continue
        try:
            value = float(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            value = float("nan")
        if not (math.isfinite(value) and value >= 0):
            raise DataError(f"{source}: column {f.name!r} records an invalid m2 tolerance {raw!r} in its metadata")
        out[f.name] = value
    return out


def _check_exact_ints(values: Any, name: str, source: str) -> None:
    if isinstance(values, pa.Array):
        if not pa.types.is_integer(values.type):
            return
        bounds = pc.min_max(values)
        lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    elif len(values):
        lo, hi = int(values.min()), int(values.max())
    else:
        return
    if lo is not None and (lo < -_EXACT_INT or hi > _EXACT_INT):
        raise DataError(
            f"{source}: integer column {name!r} has values beyond 2**53 (min {lo}, max {hi}) "
            "that float64 cannot hold exactly"
        )


def _pieces(column: Any) -> list[Any]:
    return list(column.chunks) if isinstance(column, pa.ChunkedArray) else [column]


def fill_columns(
    names: Sequence[str],
    batches: Iterable[Any],
    n_rows: int,
    *,
    nulls: str,
    source: str,
    row_offset: int = 0,
    background: bool = False,
    on_filled: Callable[[HostColumns, int, int], None] | None = None,
    recorded: dict[str, float] | None = None,
) -> HostColumns:
    """Copy a stream of batches into preallocated float64 columns of ``n_rows`` rows.

    Each batch is a :class:`pyarrow.Table`, a :class:`pyarrow.RecordBatch` or a mapping of
    column name -> array; only one batch (two with ``background``) is held besides the output.
    With ``background=True`` each batch is copied on a worker thread while the next one is
    produced (decoded).  ``on_filled(host, lo, hi)`` is called once rows ``lo:hi`` of every
    column are filled.  ``recorded`` are the m² tolerances recorded in the source's schema.

    >>> fill_columns(["x"], [{"x": np.ones(2)}, {"x": np.zeros(1)}], 3, nulls="error",
    ...              source="demo").arrays["x"].tolist()
    [1.0, 1.0, 0.0]
    """
    host = HostColumns({c: np.empty(n_rows) for c in names}, dict.fromkeys(names, 0.0), dict(recorded or {}))
    pos = 0
    pending: Future[None] | None = None
    pool = ThreadPoolExecutor(max_workers=1) if background else None
    try:
        for batch in batches:
            length = batch.num_rows if hasattr(batch, "num_rows") else len(batch[names[0]])
            if pos + length > n_rows:
                raise DataError(f"{source}: more rows than the {n_rows} announced by its metadata")
            job = functools.partial(_copy_batch, host, batch, names, pos, length, nulls=nulls, source=source,
                                    row_offset=row_offset, on_filled=on_filled)
            if pool is None:
                job()
            else:
                if pending is not None:
                    pending.result()
                pending = pool.submit(job)
            pos += length
        if pending is not None:
            pending.result()
    finally:
        if pool is not None:
            pool.shutdown()
    if pos != n_rows:
        raise DataError(f"{source}: read {pos} rows where its metadata announced {n_rows}")
    return host


def _copy_batch(host: HostColumns, batch: Any, names: Sequence[str], pos: int, length: int, *, nulls: str,
                source: str, row_offset: int, on_filled: Callable[[HostColumns, int, int], None] | None) -> None:
    for c in names:
        p = pos
        for piece in _pieces(batch[c]):
            arr, e = to_float64(piece, c, nulls=nulls, row0=row_offset + p, source=source)
            host.arrays[c][p:p + len(arr)] = arr
            p += len(arr)
            host.eps[c] = max(host.eps[c], e)
        if p != pos + length:
            raise DataError(f"{source}: column {c!r} has {p - pos} rows in a batch of {length}")
    if on_filled is not None:
        on_filled(host, pos, pos + length)


def table_columns(table: Any, names: Sequence[str], *, nulls: str, source: str, row_offset: int = 0) -> HostColumns:
    """Columns of one in-memory table; single-piece float64 columns without nulls are views.

    ``table`` is a :class:`pyarrow.Table` or a mapping of column name -> Arrow/numpy array.

    >>> t = pa.table({"x": [1.0, 2.0]})
    >>> np.shares_memory(table_columns(t, ["x"], nulls="error", source="t").arrays["x"],
    ...                  t.column("x").chunk(0).to_numpy())
    True
    """
    arrays: dict[str, np.ndarray] = {}
    eps: dict[str, float] = {}
    for c in names:
        pieces = _pieces(table[c])
        if len(pieces) == 1:
            arrays[c], eps[c] = to_float64(pieces[0], c, nulls=nulls, row0=row_offset, source=source)
        else:
            n = sum(len(p) for p in pieces)
            host = fill_columns([c], [{c: p} for p in pieces], n, nulls=nulls, source=source, row_offset=row_offset)
            arrays[c], eps[c] = host.arrays[c], host.eps[c]
    return HostColumns(arrays, eps)


def ingest(
    ctx: ExecutionContext,
    plan: ColumnPlan,
    host: HostColumns,
    *,
    check_finite: bool,
    source: str,
    n_events_global: int | None = None,
    global_start: int | None = None,
    row_offset: int = 0,
    validated: bool = False,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Arrange host columns by the plan's roles and build the (validated) Dataset.

    ``validated=True`` skips the value checks, for readers that ran them while reading;
    ``m2_tolerance`` overrides every four-vector's tolerance (see :meth:`HostColumns.p4_tolerance`).

    >>> from gpu_laddu.data.schema import ColumnPlan
    >>> import gpu_laddu as gl
    >>> ds = ingest(gl.ExecutionContext(device="cpu", backend="numpy"), ColumnPlan({}, {"x": "x"}, None),
    ...             HostColumns({"x": np.ones(3)}, {"x": 0.0}), check_finite=True, source="demo")
    >>> ds.n_events
    3
    """
    a = host.arrays
    p4s = {name: tuple(a[c] for c in comps) for name, comps in plan.p4s.items()}
    tolerance = {name: host.p4_tolerance(comps, m2_tolerance) for name, comps in plan.p4s.items()}
    scalars = {name: a[col] for name, col in plan.scalars.items()}
    weights = a[plan.weight] if plan.weight is not None else None
    return build_dataset(
        ctx, p4s, scalars, weights, check_finite=check_finite, source=source,
        n_events_global=n_events_global, global_start=global_start, row_offset=row_offset, m2_tolerance=tolerance,
        validated=validated,
    )


def as_table(data: Any, source: str = "arrow input") -> pa.Table:
    """A :class:`pyarrow.Table` from a Table, RecordBatch, RecordBatchReader, Arrow stream
    (``__arrow_c_stream__``, e.g. a polars DataFrame) or an iterable of record batches.
    Batches are not concatenated: each becomes one chunk.

    >>> as_table([pa.record_batch({"x": [1.0]}), pa.record_batch({"x": [2.0]})]).column("x").num_chunks
    2
    """
    try:
        if isinstance(data, pa.Table):
            return data
        if isinstance(data, pa.RecordBatch):
            return pa.Table.from_batches([data])
        if isinstance(data, pa.RecordBatchReader):
            return data.read_all()
        if hasattr(data, "__arrow_c_stream__"):
            return pa.RecordBatchReader.from_stream(data).read_all()
        if isinstance(data, Iterable) and not isinstance(data, (str, bytes, Mapping)):
            batches = list(data)
            if not batches:
                raise DataError(f"{source}: no record batches were given")
            if not all(isinstance(b, (pa.RecordBatch, pa.Table)) for b in batches):
                raise DataError(f"{source}: every item must be a pyarrow RecordBatch or Table")
            return pa.concat_tables([b if isinstance(b, pa.Table) else pa.Table.from_batches([b]) for b in batches])
    except pa.ArrowInvalid as exc:
        raise DataError(f"{source}: cannot combine the record batches: {exc}") from exc
    raise DataError(
        f"{source}: expected a pyarrow Table, RecordBatch, RecordBatchReader or an iterable of "
        f"record batches, got {type(data).__name__}"
    )


def arrow_fields(schema: pa.Schema, source: str) -> dict[str, ColumnType]:
    """Column types of an Arrow schema (duplicate names are an error).

    >>> list(arrow_fields(pa.schema([("x", pa.float64())]), "demo"))
    ['x']
    """
    dupes = repeated_names(schema.names)
    if dupes:
        raise DataError(f"{source}: duplicate column names {dupes}")
    return {f.name: arrow_column_type(f.type) for f in schema}


def from_arrow(
    data: Any,
    *,
    ctx: ExecutionContext | None = None,
    p4s: Selection = None,
    scalars: Selection = None,
    weight: str | None = "weight",
    nulls: str = "error",
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Build a Dataset from Arrow data (this rank's events under MPI), zero-copy where possible.

    Parameters
    ----------
    data : pyarrow.Table, RecordBatch, RecordBatchReader, Arrow stream or iterable of batches
    ctx : ExecutionContext, optional
        Defaults to :func:`gpu_laddu.default_context`.
    p4s, scalars : list of names, mapping {name: column prefix / column}, or None (infer)
        Column roles, as in :func:`gpu_laddu.read_parquet` (see :mod:`gpu_laddu.data.schema`).
    weight : str or None
        Weight column (absent ``"weight"`` -> unit weights; ``None`` ignores any weight column).
    nulls : {"error", "nan"}
    check_finite : bool
        Reject NaN/inf naming column and first row (weights are always checked).
    m2_tolerance : float or None
        Relative tolerance of the mass-shell check m² >= -tol·E² for every four-vector.  ``None``:
        1e-9 for float64 columns, 8·eps of the source precision for float32/float16 columns, or
        the tolerance recorded in the schema by :func:`gpu_laddu.write_parquet`, whichever is larger.

    Returns
    -------
    Dataset
        On the CPU backends a float64 column without nulls in one chunk is shared, not copied.

    Examples
    --------
    >>> import pyarrow as pa
    >>> ds = from_arrow(pa.table({"pol_angle": [0.1, 0.2], "weight": [1.0, -0.5]}))
    >>> ds.scalar_names, ds.sum_weights
    (('pol_angle',), 0.5)
    """
    source = "arrow input"
    return dataset_from_table(as_table(data, source), ctx=ctx, p4s=p4s, scalars=scalars, weight=weight,
                              nulls=nulls, check_finite=check_finite, source=source, m2_tolerance=m2_tolerance)


def dataset_from_table(
    table: pa.Table,
    *,
    ctx: ExecutionContext | None,
    p4s: Selection,
    scalars: Selection,
    weight: str | None,
    nulls: str,
    check_finite: bool,
    source: str,
    m2_tolerance: float | None = None,
) -> Dataset:
    """:func:`from_arrow` for a Table, with ``source`` naming it in error messages.

    >>> dataset_from_table(pa.table({"x": [1.0]}), ctx=None, p4s=None, scalars=None, weight="weight",
    ...                    nulls="error", check_finite=True, source="demo").scalar_names
    ('x',)
    """
    ctx = resolve_context(ctx)
    check_nulls_policy(nulls)
    m2_tolerance = check_m2_tolerance(m2_tolerance)
    plan = resolve_columns(arrow_fields(table.schema, source), p4s=p4s, scalars=scalars, weight=weight,
                           source=source)
    host = table_columns(table, plan.columns, nulls=nulls, source=source)
    host.recorded = recorded_tolerances(table.schema, source)
    return ingest(ctx, plan, host, check_finite=check_finite, source=source, m2_tolerance=m2_tolerance)
