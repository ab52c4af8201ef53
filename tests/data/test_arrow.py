"""from_arrow: zero-copy views on the CPU, conversions, batch inputs, and the GPU copy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import gpu_laddu as gl
from gpu_laddu.data import from_arrow, read_parquet

from .util import P4_NAMES, event_columns, event_table


def buffer_of(table, name):
    chunk = table.column(name).chunk(0)
    return chunk.to_numpy(zero_copy_only=True)


@pytest.mark.parametrize("backend_name", ["numpy", "numba"])
def test_cpu_columns_are_views_of_the_arrow_buffers(backend_name):
    pytest.importorskip(backend_name)
    ctx = gl.ExecutionContext(device="cpu", backend=backend_name)
    table = event_table(100, seed=1)
    ds = from_arrow(table, ctx=ctx)
    for name in P4_NAMES:
        for comp, suffix in zip(ds.p4(name), ("e", "px", "py", "pz")):
            arrow_view = buffer_of(table, f"{name}_{suffix}")
            assert np.shares_memory(comp, arrow_view)
            assert comp.ctypes.data == table.column(f"{name}_{suffix}").chunk(0).buffers()[1].address
    assert np.shares_memory(ds.scalar("pol_angle"), buffer_of(table, "pol_angle"))
    assert np.shares_memory(ds.weights, buffer_of(table, "weight"))


def test_sliced_tables_stay_zero_copy_and_keep_the_slice(cpu_ctx):
    table = event_table(50, seed=2).slice(10, 20)
    ds = from_arrow(table, ctx=cpu_ctx)
    np.testing.assert_array_equal(ds.weights, table.column("weight").to_numpy())
    assert np.shares_memory(ds.weights, table.column("weight").chunk(0).to_numpy())


def test_multi_chunk_and_batch_inputs_are_concatenated_in_order(cpu_ctx):
    table = event_table(90, seed=3)
    batches = table.to_batches(max_chunksize=25)
    assert len(batches) == 4
    oracle = table.column("beam_px").to_numpy()
    for data in (pa.Table.from_batches(batches), batches, pa.RecordBatchReader.from_batches(table.schema, batches),
                 iter(batches)):
        ds = from_arrow(data, ctx=cpu_ctx)
        np.testing.assert_array_equal(ds.p4("beam")[1], oracle)
        assert ds.n_events == 90


def test_single_record_batch_and_arrow_streams(cpu_ctx):
    pl = pytest.importorskip("polars")
    cols = event_columns(10, seed=4)
    ds = from_arrow(pa.record_batch(cols), ctx=cpu_ctx)
    np.testing.assert_array_equal(ds.scalar("pol_magnitude"), cols["pol_magnitude"])
    ds = from_arrow(pl.DataFrame(cols), ctx=cpu_ctx)  # an object with __arrow_c_stream__
    np.testing.assert_array_equal(ds.p4("proton")[0], cols["proton_e"])


def test_type_conversions_against_numpy(cpu_ctx):
    half = np.array([0.5, 1.25, -2.0], np.float16)
    table = pa.table({"h": half, "f": half.astype(np.float32), "u8": pa.array([1, 2, 255], pa.uint8()),
                      "i": pa.array([-3, None, 5], pa.int32())})
    ds = from_arrow(table, ctx=cpu_ctx, scalars=["h", "f", "u8", "i"], nulls="nan", check_finite=False)
    for name in ("h", "f", "u8"):
        np.testing.assert_array_equal(ds.scalar(name), table.column(name).to_numpy().astype(np.float64))
        assert ds.scalar(name).dtype == np.float64
    np.testing.assert_array_equal(ds.scalar("i"), [-3.0, np.nan, 5.0])


def test_bad_inputs(cpu_ctx):
    with pytest.raises(gl.DataError, match="expected a pyarrow Table"):
        from_arrow({"x": [1.0]}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="no record batches"):
        from_arrow([], ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="cannot combine the record batches"):
        from_arrow([pa.record_batch({"x": [1.0]}), pa.record_batch({"y": [1.0]})], ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="every item must be a pyarrow RecordBatch"):
        from_arrow([pa.record_batch({"x": [1.0]}), {"x": 1.0}], ctx=cpu_ctx)
    dup = pa.Table.from_arrays([pa.array([1.0]), pa.array([2.0])], names=["x", "x"])
    with pytest.raises(gl.DataError, match=r"duplicate column names \['x'\]"):
        from_arrow(dup, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="the dataset is empty"):
        from_arrow(event_table(0), ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"column 'x' has null values, the first at row 1"):
        from_arrow(pa.table({"x": [0.0, None, None]}), ctx=cpu_ctx)


def test_nan_names_column_and_row(cpu_ctx):
    cols = event_columns(30, seed=5)
    cols["pol_angle"][[12, 20]] = np.nan
    with pytest.raises(gl.DataError, match=r"column 'pol_angle' has 2 non-finite value\(s\), first at row 12"):
        from_arrow(pa.table(cols), ctx=cpu_ctx)
    assert np.isnan(from_arrow(pa.table(cols), ctx=cpu_ctx, check_finite=False).scalar("pol_angle")[12])


@pytest.mark.gpu
def test_gpu_columns_are_device_copies(gpu_ctx, tmp_path):
    import cupy

    table = event_table(1000, seed=6)
    ds = from_arrow(table, ctx=gpu_ctx)
    for name in P4_NAMES:
        for comp, suffix in zip(ds.p4(name), ("e", "px", "py", "pz")):
            assert isinstance(comp, cupy.ndarray) and comp.dtype == np.float64
            np.testing.assert_array_equal(cupy.asnumpy(comp), table.column(f"{name}_{suffix}").to_numpy())
    np.testing.assert_array_equal(cupy.asnumpy(ds.weights), table.column("weight").to_numpy())
    assert ds.sum_weights == pytest.approx(float(np.sum(table.column("weight").to_numpy())))
    import pyarrow.parquet as pq

    pq.write_table(table, tmp_path / "g.parquet", row_group_size=300)
    back = read_parquet(tmp_path / "g.parquet", ctx=gpu_ctx)
    assert isinstance(back.weights, cupy.ndarray)
    assert back.to_arrow().equals(table)
