"""The CuPy backend's own code (context resources, staged column copies, the fused-kernel engine,
streamed chunks with their two-level on-device reduction, the pool budget) run on the CPU
against a strict stand-in for CuPy whose kernels run in the CUDA emulator (``fakecupy.py``):
the same NLL as the NumPy interpreter, resident or streamed.  On a GPU, the same paths run for
real in tests/gpu and the backend-fixture tests."""

import importlib
import sys

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.backends import registry
from gpu_laddu.backends.chunking import plan_chunks
from gpu_laddu.codegen.cuda import launch_config
from tests.backends import fakecupy
from tests.codegen import cuda_emulator
from tests.codegen.models import MODELS, datasets

pytestmark = pytest.mark.skipif(not cuda_emulator.available(), reason="needs g++ (C++20) to emulate CUDA on the CPU")
MODULE = "gpu_laddu.backends.cupy_backend"


@pytest.fixture
def fake_cupy(monkeypatch):
    """``cupy`` replaced by the stand-in, and the backend module imported afresh against it."""
    saved = {name: sys.modules.get(name) for name in ("cupy", "cupyx", MODULE)}
    cached = registry._CACHE.pop("cupy", None)
    cupy, cupyx = fakecupy.make_modules()
    sys.modules.update({"cupy": cupy, "cupyx": cupyx})
    sys.modules.pop(MODULE, None)
    module = importlib.import_module(MODULE)
    emit = module.emit_cuda

    def recording_emit(plan, precision, *args, **kw):
        fakecupy.PLANS[plan.name] = (plan, precision)
        return emit(plan, precision, *args, **kw)

    monkeypatch.setattr(module, "emit_cuda", recording_emit)
    try:
        yield module
    finally:
        fakecupy.PLANS.clear()
        registry._CACHE.pop("cupy", None)
        if cached is not None:
            registry._CACHE["cupy"] = cached
        for name, mod in saved.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod
        package = sys.modules["gpu_laddu.backends"]
        if saved[MODULE] is not None:
            package.cupy_backend = saved[MODULE]
        elif hasattr(package, "cupy_backend"):
            del package.cupy_backend


N_DATA, N_MC = 3000, 3000
RAW = (N_DATA + N_MC) * 3 * 8  # columns x, y and the weights


def _reference(normalization):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    model, p = MODELS["coherent"]()
    return gl.NLL(model, *datasets(ctx, N_DATA, N_MC), normalization=normalization).value_and_gradient(p)


def _close(a, b, tol=1e-12):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b)), (a, b)


@pytest.mark.parametrize("budget", [None, RAW + 100_000])  # 100 kB for two caches of 72 kB
def test_nll_through_the_cupy_engine(fake_cupy, budget):
    ctx = gl.ExecutionContext(device="cuda", backend="cupy", memory_budget=budget)
    assert ctx.backend == "cupy" and isinstance(ctx.resources, fake_cupy.CupyResources)
    data, mc = datasets(ctx, N_DATA, N_MC)
    assert ctx.memory.used == RAW  # the columns were allocated in the context's pool
    model, p = MODELS["coherent"]()
    for normalization in ("events", "auto"):
        nll = gl.NLL(model, data, mc, normalization=normalization)
        assert nll.data_evaluator.chunk_plan.streamed == nll.mc_evaluator.chunk_plan.streamed == (budget is not None)
        if budget is not None:
            assert nll.data_evaluator.chunk_plan.n_chunks >= 3 and nll.mc_evaluator.chunk_plan.n_chunks >= 3
            assert all(len(pair) == 2 for pair in nll.data_evaluator.cache.buffers.values())
        value, grad = nll.value_and_gradient(p)
        want_value, want_grad = _reference(normalization)
        _close(value, want_value)
        _close(grad, want_grad)
        assert ctx.memory.used <= ctx.memory.limit
        if budget is None:  # whole-dataset outputs need room the tight budget does not leave
            values = nll.data_evaluator.evaluate(p)
            assert isinstance(values, fakecupy.DeviceArray) and values.shape == (N_DATA,)
        del nll  # frees its share of the budget for the next one
    assert {k[0] for k in ctx.kernel_cache} == {"cuda"} and len(ctx.kernel_cache) == 2  # fused + reduce
    ctx.close()


def test_the_launch_fills_132_sms_as_the_compiled_kernel_allows(fake_cupy, monkeypatch):
    """A 132-SM device: the grid is min(blocks for the events, 132 × the blocks per SM that the compiled
    kernel's registers and shared memory allow), threads loop over the rest, and the NLL is the interpreter's.
    The kernel is made to report 255 registers (one block per SM) to keep the emulated device small."""
    from gpu_laddu.codegen.cuda import REDUCE_NAME
    from gpu_laddu.codegen.cuda_resources import HOPPER, blocks_per_sm

    monkeypatch.setattr(fakecupy, "SM_COUNT", [132])
    monkeypatch.setattr(fakecupy, "ATTRIBUTES", {"num_regs": 255})
    n_data, n_mc = 40_000, 2000
    ctx = gl.ExecutionContext(device="cuda", backend="cupy")
    model, p = MODELS["coherent"]()
    nll = gl.NLL(model, *datasets(ctx, n_data, n_mc), normalization="events")
    fakecupy.LAUNCHES.clear()
    value, grad = nll.value_and_gradient(p)
    ref = gl.ExecutionContext(device="cpu", backend="numpy")
    want_value, want_grad = gl.NLL(model, *datasets(ref, n_data, n_mc), normalization="events").value_and_gradient(p)
    _close(value, want_value)
    _close(grad, want_grad)
    (kernel, block, per_sm), = [v for k, v in ctx.kernel_cache.items() if isinstance(v, tuple)]
    attrs = kernel.attributes
    assert per_sm == blocks_per_sm(attrs["num_regs"], attrs["shared_size_bytes"], block, HOPPER) == 1
    fused = [(grid, blk) for name, grid, blk in fakecupy.LAUNCHES if name != REDUCE_NAME]
    assert sorted(fused) == sorted(((min(-(-n // block), 132 * per_sm),), (block,)) for n in (n_data, n_mc))
    assert ((132,), (block,)) in fused and 132 * block < n_data  # a full device: threads loop (grid-stride)
    ctx.close()


@pytest.mark.parametrize("n", [100, 600_000, 2_500_001])  # a plain copy; one staging piece; several
def test_columns_reach_the_device_in_one_copy(fake_cupy, n):
    ctx = gl.ExecutionContext(device="cuda", backend="cupy")
    host = np.random.default_rng(n).normal(size=n)
    dev = ctx.asarray(host)
    assert isinstance(dev, fakecupy.DeviceArray) and np.array_equal(ctx.to_numpy(dev), host)
    assert ctx.memory.used >= host.nbytes
    ctx.close()


def test_the_pool_enforces_the_budget(fake_cupy):
    ctx = gl.ExecutionContext(device="cuda", backend="cupy", memory_budget=100_000)
    ctx.asarray(np.ones(1000))
    with pytest.raises(fakecupy.OutOfMemoryError):
        ctx.asarray(np.ones(20_000))
    ctx.close()


@pytest.mark.parametrize("sm_count", [1, 132])
def test_the_partial_buffer_of_a_full_chunk_fits_every_chunk(sm_count):
    plan = plan_chunks(1_000_003, 80, 3_000_000)
    rows, _ = launch_config(plan.chunk_events, sm_count)
    assert plan.streamed
    assert all(0 < launch_config(hi - lo, sm_count)[0] <= rows for lo, hi in plan.bounds())


def test_the_stand_in_refuses_host_arrays_in_device_operations():
    cupy, _ = fakecupy.make_modules()
    dev, host = cupy.asarray(np.arange(4.0)), np.arange(4.0)
    with pytest.raises(TypeError, match="host"):
        dev[...] = host
    with pytest.raises(TypeError, match="host"):
        dev[1:3] = host[:2]
    with pytest.raises(TypeError, match="asarray"):
        cupy.ascontiguousarray(host)
    with pytest.raises(TypeError, match="ufunc add"):
        dev + host  # noqa: B018
    with pytest.raises(TypeError, match="ufunc multiply"):
        host * dev  # noqa: B018
    with pytest.raises(TypeError, match="cupy.concatenate"):
        cupy.concatenate([dev, host])
    dev[...] = 2.0  # scalars and device arrays are fine
    dev[:2] = cupy.asarray(np.ones(2))
    assert isinstance(dev + dev, fakecupy.DeviceArray) and float((dev * np.float64(2)).sum()) == 12.0
    assert isinstance(cupy.ascontiguousarray(dev[::2]), fakecupy.DeviceArray)


def test_the_stand_in_checks_kernel_argument_dtypes(fake_cupy):
    from gpu_laddu.codegen.plan import make_plan

    model, p = MODELS["coherent"]()
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, _ = datasets(ctx, 300, 10)
    ev = model.load(data)
    plan = make_plan(ev.specialized_graph()[0], ev.parameters)
    cupy = sys.modules["cupy"]
    kernel = cupy.RawKernel(fake_cupy.emit_cuda(plan, "f64"), plan.name)
    cols = [cupy.asarray(np.ascontiguousarray(ev.cache[c.attrs[0].key])) for c in plan.columns]
    w = cupy.asarray(np.asarray(ev.weights, dtype=np.float64))
    args = (cupy.asarray(np.array(p)), w, *cols, np.int64(300), np.int32(1), np.int32(1), cupy.zeros((2, plan.n_out)))
    kernel((2,), (256,), args)  # as the engine launches it
    wrong = [c.astype(np.complex64) if c.dtype == np.complex128 else c.astype(np.float32) for c in cols]
    with pytest.raises(TypeError, match="the kernel reads"):
        kernel((2,), (256,), (args[0], w, *wrong, *args[2 + len(cols):]))
    with pytest.raises(TypeError, match="host array"):
        kernel((2,), (256,), (np.array(p), *args[1:]))


def _count_copies(module, resources, monkeypatch):
    """Count the resources' copies: bytes of each DMA (copy_async) and of the host copies into staging."""
    counts = {"dma": [], "staged_host_bytes": 0, "host_waits": 0}
    copy_async, host_wait = resources.ops.copy_async, resources.ops.host_wait
    staged = module.staged_copy

    def counted_wait(event):
        counts["host_waits"] += 1
        host_wait(event)

    def counted(dst, src, stream):
        counts["dma"].append(src.nbytes)
        copy_async(dst, src, stream)

    def counted_staged(ops, src, dst, staging):
        counts["staged_host_bytes"] += src.nbytes  # every byte is memcpy'd into a staging buffer first
        staged(ops, src, dst, staging)

    monkeypatch.setattr(resources.ops, "copy_async", counted)
    monkeypatch.setattr(resources.ops, "host_wait", counted_wait)
    monkeypatch.setattr(module, "staged_copy", counted_staged)
    return counts


def test_arrow_columns_decoded_into_pinned_memory_reach_the_device_in_one_async_copy(fake_cupy, monkeypatch):
    """Per float64 column of n events: a pageable column costs a host copy of 8n bytes into the
    staging buffers plus ceil(8n / 16 MiB) DMAs, and the host waits for them; a column decoded into
    pinned memory (fill_columns with the context's empty_host) costs no host copy and a single
    asynchronous DMA of 8n bytes that the host does not wait for."""
    import pyarrow as pa

    from gpu_laddu.data.arrow import fill_columns, ingest
    from gpu_laddu.data.schema import ColumnPlan

    n = 2_500_001  # 20 MB per column: two staging pieces
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=n), rng.uniform(0.5, 1.5, size=n)
    batches = [pa.table({"x": x[lo:lo + 1_000_000], "w": w[lo:lo + 1_000_000]}) for lo in range(0, n, 1_000_000)]
    ctx = gl.ExecutionContext(device="cuda", backend="cupy")
    res = ctx.resources
    plan = ColumnPlan({}, {"x": "x"}, "w")
    got = {}
    for label, empty in (("pageable", None), ("pinned", res.empty_host)):
        with monkeypatch.context() as mp:
            counts = _count_copies(fake_cupy, res, mp)
            host = fill_columns(["x", "w"], batches, n, nulls="error", source="t", empty=empty)
            ds = ingest(ctx, plan, host, check_finite=True, source="t")
        assert np.array_equal(ctx.to_numpy(ds.scalar("x")), x) and np.array_equal(ctx.to_numpy(ds.weights), w)
        got[label] = counts
    piece = fake_cupy.STAGING_BYTES
    assert got["pageable"] == {"dma": [piece, 8 * n - piece] * 2, "staged_host_bytes": 2 * 8 * n, "host_waits": 2}
    # pinned: the host never waits for a copy, so decoding the next column overlaps the DMA
    assert got["pinned"] == {"dma": [8 * n, 8 * n], "staged_host_bytes": 0, "host_waits": 0}
    assert res.is_pinned(host.arrays["x"]) and not res.is_pinned(x)
    ctx.close()



def test_read_parquet_decodes_into_the_contexts_host_buffers(fake_cupy, monkeypatch, tmp_path):
    """The Parquet reader allocates its columns with the context's empty_host (pinned memory on a
    GPU, from which each column reaches the device in one asynchronous copy; see the test above)."""
    n = 50_000
    rng = np.random.default_rng(5)
    cpu = gl.ExecutionContext(device="cpu", backend="numpy")
    path = tmp_path / "x.parquet"
    x = rng.normal(size=n)
    gl.write_parquet(gl.from_numpy(scalars={"x": x}, weights=rng.uniform(0.5, 1.5, n), ctx=cpu), path,
                     row_group_size=20_000)  # several row groups: the reader decodes into its own columns
    ctx = gl.ExecutionContext(device="cuda", backend="cupy")
    allocated = []
    empty_host = ctx.resources.empty_host

    def counted(size, dtype=np.float64):
        allocated.append(size)
        return empty_host(size, dtype)

    monkeypatch.setattr(ctx.resources, "empty_host", counted)
    ds = gl.read_parquet(path, ctx=ctx)
    assert allocated == [n, n]  # x and the weights
    assert np.array_equal(ctx.to_numpy(ds.scalar("x")), x)
    ctx.close()
