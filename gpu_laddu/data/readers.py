"""In-memory sources: mappings of columns, pandas and polars DataFrames.

Columns are named as in Parquet files (``X_e, X_px, X_py, X_pz``, scalars, ``weight``; see
:mod:`gpu_laddu.data.schema`) and the keywords mean what they mean for
:func:`gpu_laddu.read_parquet`.  The data are this rank's events: under MPI every rank passes
its own part (``n_events_global`` is their sum).  Arrow columns (immutable) are shared on the CPU
backends; numpy and pandas columns are copied unless they are read-only all the way down, so
that a later write by the caller can neither bypass the checks nor change a loaded model's
events.  Dictionary-encoded (pandas ``Categorical``) numeric columns are decoded.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ds = from_dict({"k_e": np.array([1.0]), "k_px": [0.0], "k_py": [0.0], "k_pz": [0.5], "pol_angle": [0.2]})
>>> ds.p4_names, ds.scalar_names
(('k',), ('pol_angle',))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.arrow import arrow_column_type, dataset_from_table, ingest, numpy_column_type, table_columns
from gpu_laddu.data.dataset import Dataset, private
from gpu_laddu.data.schema import ColumnType, Selection, check_nulls_policy, repeated_names, resolve_columns
from gpu_laddu.data.validate import check_m2_tolerance
from gpu_laddu.errors import DataError


def _column_of(values: Any, name: str, source: str, on_host: bool) -> tuple[Any, ColumnType]:
    """An Arrow or 1-D numpy array for one mapping entry (a private float64 copy of a writable
    float64 numpy array on the host; other dtypes are converted, so copied, later), and its type."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values, arrow_column_type(values.type)
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise DataError(f"{source}: column {name!r} must be one-dimensional, got shape {values.shape}")
        if values.dtype == np.float64:
            values = private(values, on_host)
        return values, numpy_column_type(values.dtype)
    try:
        arr = pa.array(values)  # lists (None -> null), tuples, other array-likes
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(f"{source}: column {name!r} cannot be read as an array ({exc})") from exc
    return arr, arrow_column_type(arr.type)


def _from_columns(
    columns: Mapping[str, Any],
    fields: Mapping[str, ColumnType],
    *,
    ctx: ExecutionContext | None,
    p4s: Selection,
    scalars: Selection,
    weight: str | None,
    nulls: str,
    check_finite: bool,
    source: str,
    m2_tolerance: float | None,
) -> Dataset:
    ctx = resolve_context(ctx)
    check_nulls_policy(nulls)
    m2_tolerance = check_m2_tolerance(m2_tolerance)
    lengths = {name: len(col) for name, col in columns.items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"{source}: columns have different lengths: {lengths}")
    plan = resolve_columns(fields, p4s=p4s, scalars=scalars, weight=weight, source=source)
    host = table_columns(columns, plan.columns, nulls=nulls, source=source)
    return ingest(ctx, plan, host, check_finite=check_finite, source=source, m2_tolerance=m2_tolerance)


def from_dict(
    data: Mapping[str, Any],
    *,
    ctx: ExecutionContext | None = None,
    p4s: Selection = None,
    scalars: Selection = None,
    weight: str | None = "weight",
    nulls: str = "error",
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Build a Dataset from a mapping of column name -> 1-D array (numpy, Arrow, or a list).

    Parameters
    ----------
    data : mapping of str -> array-like
        ``None`` in a list is a null.
    ctx, p4s, scalars, weight, nulls, check_finite, m2_tolerance
        As for :func:`gpu_laddu.read_parquet`.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.array([1.0, 2.0])
    >>> ds = from_dict({"a_e": e, "a_px": [0.0, 0.0], "a_py": [0.0, 0.0], "a_pz": [0.0, 1.0], "weight": [1, -1]})
    >>> np.shares_memory(ds.p4("a")[0], e), ds.weights.tolist()  # e is writable: the Dataset has a copy
    (False, [1.0, -1.0])
    """
    source = "dict input"
    if not isinstance(data, Mapping):
        raise DataError(f"{source}: expected a mapping of column name -> array, got {type(data).__name__}")
    ctx = resolve_context(ctx)
    columns: dict[str, Any] = {}
    fields: dict[str, ColumnType] = {}
    for name, values in data.items():
        columns[name], fields[name] = _column_of(values, name, source, ctx.device == "cpu")
    return _from_columns(columns, fields, ctx=ctx, p4s=p4s, scalars=scalars, weight=weight, nulls=nulls,
                         check_finite=check_finite, source=source, m2_tolerance=m2_tolerance)


def _pandas_column(series: Any, on_host: bool) -> tuple[Any, ColumnType]:
    """A pandas column as numpy (NaN stays NaN) or, for nullable and categorical dtypes, Arrow
    (pd.NA and missing categories -> null)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "fiu":
            values = series.to_numpy(copy=False)
            return (private(values, on_host) if dtype == np.float64 else values), numpy_column_type(dtype)
        return None, ColumnType("other", str(dtype))
    categories = getattr(dtype, "categories", None)
    if categories is not None and isinstance(categories.dtype, np.dtype) and categories.dtype.kind in "fiu":
        return pa.array(series), numpy_column_type(categories.dtype)  # a DictionaryArray, decoded when read
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    if numpy_dtype is not None and np.dtype(numpy_dtype).kind in "fiu":
        return pa.array(series), numpy_column_type(np.dtype(numpy_dtype))
    return None, ColumnType("other", str(dtype))


def from_pandas(
    df: Any,
    *,
    ctx: ExecutionContext | None = None,
    p4s: Selection = None,
    scalars: Selection = None,
    weight: str | None = "weight",
    nulls: str = "error",
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Build a Dataset from a pandas DataFrame (the index is ignored).

    NaN in a float column is a NaN (rejected unless ``check_finite=False``); ``pd.NA`` in a
    nullable column (``Float64``, ``Int64``) is a null (``nulls=``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pol_angle": [0.1, 0.2], "run": [1, 2]})
    >>> from_pandas(df).scalar_names, from_pandas(df, scalars=["pol_angle", "run"]).scalar("run").tolist()
    (('pol_angle',), [1.0, 2.0])
    """
    source = "pandas input"
    if not hasattr(df, "columns") or not hasattr(df, "dtypes"):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}")
    names = [str(c) for c in df.columns]
    if repeated_names(names):
        raise DataError(f"{source}: duplicate column names {repeated_names(names)}")
    columns: dict[str, Any] = {}
    fields: dict[str, ColumnType] = {}
    ctx = resolve_context(ctx)
    for name, (_, series) in zip(names, df.items()):
        col, fields[name] = _pandas_column(series, ctx.device == "cpu")
        if col is not None:
            columns[name] = col
    return _from_columns(columns, fields, ctx=ctx, p4s=p4s, scalars=scalars, weight=weight, nulls=nulls,
                         check_finite=check_finite, source=source, m2_tolerance=m2_tolerance)


def from_polars(
    df: Any,
    *,
    ctx: ExecutionContext | None = None,
    p4s: Selection = None,
    scalars: Selection = None,
    weight: str | None = "weight",
    nulls: str = "error",
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Build a Dataset from a polars DataFrame (through Arrow, without copying float64 columns).

    Examples
    --------
    >>> import polars as pl
    >>> from_polars(pl.DataFrame({"x": [1.0, None]}), nulls="nan", check_finite=False).scalar("x").tolist()
    [1.0, nan]
    """
    if not hasattr(df, "to_arrow"):
        raise DataError(f"polars input: expected a polars DataFrame, got {type(df).__name__}")
    return dataset_from_table(df.to_arrow(), ctx=ctx, p4s=p4s, scalars=scalars, weight=weight, nulls=nulls,
                              check_finite=check_finite, source="polars input", m2_tolerance=m2_tolerance)
