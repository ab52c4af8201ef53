"""Accepted MC streamed row group by row group (gpu_laddu.data.stream, gpu_laddu.likelihood.streamed):
the same values, gradients and projections as the in-memory path (≤ 1e-12) with tiny row groups,
bad events named by file, row group and row before any fit, and files changing between passes refused."""

import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gpu_laddu as gl
from gpu_laddu.data.stream import ParquetStream
from tests.codegen.models import MODELS, datasets

TOL = 1e-12


def _rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = float(np.max(np.abs(b)))
    return float(np.max(np.abs(a - b))) / (scale if scale > 0 else 1.0)


def _write(ds, path, rows):
    pq.write_table(ds.to_arrow(), path, row_group_size=rows)
    return path


@pytest.mark.parametrize(("name", "backend", "method"), [
    ("kmatrix_like", "numpy", "integrals"), ("kmatrix_like", "numba", "integrals"),
    ("breit_wigner", "numpy", "events"),
])
def test_streamed_mc_matches_in_memory(tmp_path, name, backend, method):
    if backend == "numba":
        pytest.importorskip("numba")
    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    data, mc = datasets(ctx, 400, 700)
    model, p = MODELS[name]()
    stream = ParquetStream(_write(mc, tmp_path / "mc.parquet", 64), ctx=ctx)
    assert len(stream.row_groups) == 11 and stream.n_events == 700
    ref, got = gl.NLL(model, data, mc), gl.NLL(model, data, stream)
    assert ref.mc_method == got.mc_method == method
    v_ref, g_ref = ref.value_and_gradient(p)
    v_got, g_got = got.value_and_gradient(p)
    assert _rel(v_got, v_ref) <= TOL and _rel(g_got, g_ref) <= TOL
    assert _rel(got.value(p), ref.value(p)) <= TOL
    assert _rel(got.project(p), ref.project(p)) <= TOL
    amp = model.amplitudes[0]
    assert _rel(got.project_with(p, amp), ref.project_with(p, amp)) <= TOL
    if len(model.amplitudes) > 1:
        ref.deactivate(amp)
        got.deactivate(amp)  # another mask: its integrals are accumulated by a new pass over the file
        v_ref, g_ref = ref.value_and_gradient(p)
        v_got, g_got = got.value_and_gradient(p)
        assert _rel(v_got, v_ref) <= TOL and _rel(g_got, g_ref) <= TOL


def test_spill_of_an_in_memory_sample(tmp_path):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx, 300, 500)
    model, p = MODELS["coherent"]()
    stream = ParquetStream.spill(mc, row_group_size=100, directory=str(tmp_path))
    folder = os.path.dirname(stream.source)
    got = gl.NLL(model, data, stream)
    assert _rel(got.value(p), gl.NLL(model, data, mc).value(p)) <= TOL
    del got, stream
    import gc

    gc.collect()
    assert not os.path.exists(folder)


def test_bad_event_names_file_row_group_and_row(tmp_path):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx, 200, 300)
    table = mc.to_arrow()
    x = table.column("x").to_numpy().copy()
    x[130] = np.nan  # row group 2 of 64-row groups
    path = tmp_path / "bad.parquet"
    pq.write_table(table.set_column(table.column_names.index("x"), "x", pa.array(x)), path, row_group_size=64)
    model, _ = MODELS["kmatrix_like"]()
    with pytest.raises(gl.DataError, match=r"bad\.parquet.*row group 2.*130") as info:
        gl.NLL(model, data, ParquetStream(path, ctx=ctx))
    assert "row group 2" in str(info.value)


def test_file_changed_between_passes_is_refused(tmp_path):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx, 200, 300)
    path = _write(mc, tmp_path / "mc.parquet", 64)
    model, p = MODELS["kmatrix_like"]()
    nll = gl.NLL(model, data, ParquetStream(path, ctx=ctx))
    nll.value(p)
    _write(mc.select(np.arange(mc.n_events) < 250), path, 64)  # another file under the same name
    nll.deactivate(model.amplitudes[0])  # a new mask needs a new pass
    with pytest.raises(gl.DataError, match="changed"):
        nll.value(p)


def test_stream_argument_errors(tmp_path):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    with pytest.raises(gl.DataError, match="no such file"):
        ParquetStream(tmp_path / "missing.parquet", ctx=ctx)
    pq.write_table(pa.table({"x": pa.array([], pa.float64())}), tmp_path / "empty.parquet")
    with pytest.raises(gl.DataError, match="empty"):
        ParquetStream(tmp_path / "empty.parquet", ctx=ctx)
    _, mc = datasets(ctx, 10, 20)
    with pytest.raises(gl.DataError, match="row_group_size"):
        ParquetStream.spill(mc, row_group_size=0)
    pq.write_table(mc.to_arrow(), tmp_path / "mc.parquet")
    with pytest.raises(gl.DataError, match="batch_rows"):
        ParquetStream(tmp_path / "mc.parquet", ctx=ctx, batch_rows=0)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_streamed_data_precompute_matches_in_memory(tmp_path, backend):
    """Data read and precomputed row group by row group (load_streamed) gives the same likelihood."""
    if backend == "numba":
        pytest.importorskip("numba")
    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    data, mc = datasets(ctx, 500, 600)
    model, p = MODELS["kmatrix_like"]()
    d_stream = ParquetStream(_write(data, tmp_path / "data.parquet", 64), ctx=ctx)
    m_stream = ParquetStream(_write(mc, tmp_path / "mc.parquet", 250), ctx=ctx, batch_rows=60)  # slices of groups
    assert [g.n_events for _, _, g in m_stream.groups()] == [60, 60, 60, 60, 10] * 2 + [60, 40]
    ref, got = gl.NLL(model, data, mc), gl.NLL(model, d_stream, m_stream)
    assert got.data_evaluator.n_events == 500 and got.n_data == pytest.approx(ref.n_data, rel=1e-15)
    v_ref, g_ref = ref.value_and_gradient(p)
    v_got, g_got = got.value_and_gradient(p)
    assert _rel(v_got, v_ref) <= TOL and _rel(g_got, g_ref) <= TOL
    assert _rel(got.bootstrap_replica(3).value(p), ref.bootstrap_replica(3).value(p)) <= TOL
