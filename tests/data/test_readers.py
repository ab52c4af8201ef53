"""from_dict, from_pandas, from_polars and from_numpy: naming, nulls vs NaN, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.data import from_dict, from_pandas, from_polars

from .util import P4_NAMES, event_columns


def check_against(ds, cols):
    for name in ds.p4_names:
        for comp, suffix in zip(ds.p4(name), ("e", "px", "py", "pz")):
            np.testing.assert_array_equal(comp, np.asarray(cols[f"{name}_{suffix}"], dtype=np.float64))
    for name in ds.scalar_names:
        np.testing.assert_array_equal(ds.scalar(name), np.asarray(cols[name], dtype=np.float64))
    np.testing.assert_array_equal(ds.weights, np.asarray(cols["weight"], dtype=np.float64))


def test_from_dict_names_columns_like_parquet_and_shares_read_only_float64(cpu_ctx):
    cols = event_columns(40, seed=1)
    ds = from_dict(cols, ctx=cpu_ctx)
    assert ds.p4_names == P4_NAMES and ds.scalar_names == ("pol_magnitude", "pol_angle")
    check_against(ds, cols)
    assert not np.shares_memory(ds.p4("kshort1")[2], cols["kshort1_py"])  # writable: copied (issue 14, defect 8)
    frozen = {k: v.copy() for k, v in cols.items()}
    for col in frozen.values():
        col.flags.writeable = False
    assert np.shares_memory(from_dict(frozen, ctx=cpu_ctx).p4("kshort1")[2], frozen["kshort1_py"])
    view = cols["kshort1_py"].view()
    view.flags.writeable = False  # read-only, but its base is writable: copied
    assert not np.shares_memory(from_dict({"x": view}, ctx=cpu_ctx).scalar("x"), view)
    lists = {k: v.tolist() for k, v in cols.items()}
    check_against(from_dict(lists, ctx=cpu_ctx), cols)


def test_from_dict_errors(cpu_ctx):
    with pytest.raises(gl.DataError, match=r"columns have different lengths: \{'x': 3, 'y': 2\}"):
        from_dict({"x": np.zeros(3), "y": [1.0, 2.0]}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="column 'x' must be one-dimensional"):
        from_dict({"x": np.zeros((3, 2))}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="column 'tag' .* non-numeric type string"):
        from_dict({"x": [1.0], "tag": ["a"]}, ctx=cpu_ctx, scalars=["x", "tag"])
    with pytest.raises(gl.DataError, match="column 'flag' .* non-numeric type bool"):
        from_dict({"x": [1.0], "flag": np.array([True])}, ctx=cpu_ctx, scalars=["flag"])
    with pytest.raises(gl.DataError, match=r"column 'x' has null values, the first at row 1"):
        from_dict({"x": [1.0, None]}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="column 'x' cannot be read as an array"):
        from_dict({"x": [1.0, "a"]}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="expected a mapping"):
        from_dict([("x", [1.0])], ctx=cpu_ctx)  # type: ignore[arg-type]


def test_from_numpy_errors_and_negative_weights(cpu_ctx):
    p4 = np.array([[1.0, 0.0, 0.0, 0.5], [2.0, 0.0, 0.0, 1.0]])
    with pytest.raises(gl.DataError, match="columns have different lengths"):
        gl.from_numpy(p4s={"a": p4}, scalars={"x": np.zeros(3)}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"column 'weight' has 1 non-finite value\(s\), first at row 1"):
        gl.from_numpy(p4s={"a": p4}, weights=np.array([1.0, np.inf]), ctx=cpu_ctx, check_finite=False)
    with pytest.raises(gl.DataError, match="the dataset is empty"):
        gl.from_numpy(p4s={"a": p4[:0]}, ctx=cpu_ctx)
    ds = gl.from_numpy(p4s={"a": p4}, weights=np.array([-1.0, 0.25]), ctx=cpu_ctx)
    assert ds.sum_weights == -0.75


def test_from_pandas_nan_is_nan_and_na_is_null(cpu_ctx):
    pd = pytest.importorskip("pandas")
    cols = event_columns(25, seed=2)
    df = pd.DataFrame(cols, index=np.arange(100, 125))
    check_against(from_pandas(df, ctx=cpu_ctx), cols)
    df["pol_angle"] = df["pol_angle"].astype("float32")
    df["run"] = np.arange(25)
    df["label"] = ["a"] * 25
    ds = from_pandas(df, ctx=cpu_ctx, scalars=["pol_angle", "run"])
    np.testing.assert_array_equal(ds.scalar("pol_angle"), cols["pol_angle"].astype(np.float32).astype(np.float64))
    np.testing.assert_array_equal(ds.scalar("run"), np.arange(25.0))
    with pytest.raises(gl.DataError, match="column 'label' .* non-numeric type (object|str)"):
        from_pandas(df, ctx=cpu_ctx, scalars=["label"])
    nan_df = pd.DataFrame({"x": [1.0, np.nan]})
    with pytest.raises(gl.DataError, match=r"column 'x' has 1 non-finite value\(s\), first at row 1"):
        from_pandas(nan_df, ctx=cpu_ctx)
    na_df = pd.DataFrame({"x": pd.array([1.0, None], dtype="Float64"), "n": pd.array([1, None], dtype="Int64")})
    with pytest.raises(gl.DataError, match=r"column 'x' has null values, the first at row 1"):
        from_pandas(na_df, ctx=cpu_ctx)
    ds = from_pandas(na_df, ctx=cpu_ctx, scalars=["x", "n"], nulls="nan", check_finite=False)
    np.testing.assert_array_equal(ds.scalar("n"), [1.0, np.nan])
    with pytest.raises(gl.DataError, match="expected a pandas DataFrame"):
        from_pandas({"x": [1.0]}, ctx=cpu_ctx)


def test_from_polars(cpu_ctx):
    pl = pytest.importorskip("polars")
    cols = event_columns(25, seed=3)
    check_against(from_polars(pl.DataFrame(cols), ctx=cpu_ctx), cols)
    df = pl.DataFrame({"x": [1.0, None, 3.0]})
    with pytest.raises(gl.DataError, match=r"polars input: column 'x' has null values, the first at row 1"):
        from_polars(df, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="expected a polars DataFrame"):
        from_polars([1.0], ctx=cpu_ctx)
