import numpy as np
import pytest

import gpu_laddu as gl
from tests.helpers import col


def test_per_call_path_never_touches_raw_columns(cpu_ctx):
    x = np.linspace(0.1, 1.0, 50)
    ds = gl.from_numpy(scalars={"x": x, "y": x[::-1].copy()}, ctx=cpu_ctx)
    a = gl.parameter("a")
    model = gl.Model((gl.Scalar("S", a) * gl.constant(2.0) * col("x") * col("y")).norm_sqr())
    ev = model.load(ds)
    expected = ev.evaluate([0.7]).copy()

    def poisoned(*args, **kwargs):
        raise AssertionError("raw dataset column accessed during a call")

    ds.scalar = poisoned  # type: ignore[method-assign]
    ds.p4 = poisoned  # type: ignore[method-assign]
    ds._scalars.clear()
    np.testing.assert_array_equal(ev.evaluate([0.7]), expected)
    np.testing.assert_allclose(expected, (0.7 * 2 * x * x[::-1]) ** 2, rtol=1e-14)
    # the PER_EVENT product 2·x·y was precomputed: no raw x or y column is kept
    assert all(key[0] == "cached" for key in ev.cache)


def test_repeated_calls_allocate_nothing(cpu_ctx):
    ds = gl.from_numpy(scalars={"x": np.linspace(0.1, 1.0, 64)}, ctx=cpu_ctx)
    a = gl.parameter("a")
    ev = gl.Model(gl.Scalar("S", a) * col("x") + a * a).load(ds)
    ev.evaluate_gradient([1.0])
    before = cpu_ctx.scratch.allocations
    for v in (1.0, 2.0, 3.0):
        ev.evaluate_gradient([v])
    assert cpu_ctx.scratch.allocations == before


def test_f32_cache_close_to_f64():
    x = np.linspace(0.1, 1.0, 1000)
    out = []
    for prec in ("f64", "f32"):
        ctx = gl.ExecutionContext(device="cpu", backend="numpy", precision=prec)
        ds = gl.from_numpy(scalars={"x": x}, ctx=ctx)
        a = gl.parameter("a")
        ev = gl.Model((gl.Scalar("S", a) * gl.constant(1.0 / 3.0) * col("x")).norm_sqr()).load(ds)
        out.append(ev.evaluate([1.3]))
    assert out[1].dtype == np.complex64
    np.testing.assert_allclose(out[1], out[0], rtol=1e-6)


def test_activation_zeroes_amplitudes(cpu_ctx):
    x = np.linspace(0.1, 1.0, 5)
    ds = gl.from_numpy(scalars={"x": x}, ctx=cpu_ctx)
    s = gl.Scalar("S", gl.parameter("a")) * col("x")
    d = gl.ComplexScalar("D", gl.parameter("b"), gl.parameter("c"))
    ev = gl.Model(s + d).load(ds)
    p = [2.0, 0.5, -1.0]
    np.testing.assert_allclose(ev.evaluate(p), 2 * x + 0.5 - 1j)
    ev.deactivate("D")
    np.testing.assert_allclose(ev.evaluate(p), 2 * x)
    g = ev.evaluate_gradient(p)
    np.testing.assert_allclose(g[:, 0], x)
    assert np.all(g[:, 1:] == 0)
    ev.isolate(["D"])
    np.testing.assert_allclose(ev.evaluate(p), np.full(5, 0.5 - 1j))
    ev.activate_all()
    np.testing.assert_allclose(ev.evaluate(p), 2 * x + 0.5 - 1j)


def test_polar_complex_scalar_gradient(cpu_ctx):
    ds = gl.from_numpy(scalars={"x": np.ones(2)}, ctx=cpu_ctx)
    ev = gl.Model(gl.PolarComplexScalar("P", gl.parameter("r"), gl.parameter("t"))).load(ds)
    r, t = 1.5, 0.3
    np.testing.assert_allclose(ev.evaluate([r, t]), r * np.exp(1j * t))
    g = ev.evaluate_gradient([r, t])
    np.testing.assert_allclose(g[0], [np.exp(1j * t), 1j * r * np.exp(1j * t)])


def test_evaluate_on_closed_context_fails():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = gl.from_numpy(scalars={"x": np.ones(2)}, ctx=ctx)
    ctx.close()
    with pytest.raises(gl.ContextError, match="closed"):
        gl.Model(gl.Scalar("S", 1.0)).load(ds)


def test_value_only_load(cpu_ctx):
    ds = gl.from_numpy(scalars={"x": np.linspace(0.1, 1.0, 8)}, ctx=cpu_ctx)
    a = gl.parameter("a")
    model = gl.Model((gl.Scalar("S", a) * col("x")).norm_sqr())
    ev = model.load(ds, gradient=False)
    np.testing.assert_allclose(ev.evaluate([2.0]), model.load(ds).evaluate([2.0]), rtol=1e-15)
    with pytest.raises(gl.ModelError, match="gradient=False"):
        ev.evaluate_gradient([2.0])


def test_cache_reuses_fresh_columns_and_copies_read_only_ones(tmp_path):
    """A column source's own contiguous, writable result becomes the cache column as is; a
    read-only one (zero-copy Parquet) is copied, since the Numba kernels take writable arrays."""
    pytest.importorskip("numba")
    import pyarrow as pa
    import pyarrow.parquet as pq

    x = np.linspace(0.5, 2.0, 300)
    a = gl.parameter("a")
    model = gl.Model(gl.Scalar("S", a) * col("x") + a * a)  # the cache is the column x itself
    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    fresh = gl.from_numpy(scalars={"x": x}, ctx=ctx)
    (column,) = model.load(fresh).cache.values()
    assert np.shares_memory(column, fresh.scalar("x"))

    pq.write_table(pa.table({"x": x}), tmp_path / "x.parquet")
    mapped = gl.read_parquet(tmp_path / "x.parquet", ctx=ctx)
    assert not mapped.scalar("x").flags.writeable
    ev = model.load(mapped)
    (column,) = ev.cache.values()
    assert column.flags.writeable and not np.shares_memory(column, mapped.scalar("x"))
    reference = gl.ExecutionContext(device="cpu", backend="numpy")
    want = gl.NLL(model, fresh.to(reference), fresh.to(reference), normalization="events").value([1.3])
    assert gl.NLL(model, mapped, mapped, normalization="events").value([1.3]) == pytest.approx(want, rel=1e-12)
