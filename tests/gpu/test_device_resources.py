"""A GPU context's own resources (skipped with a reason without a GPU): one host→device copy per
column through the pinned staging buffers, the context's memory pool and its budget, and its
own CUDA stream."""

import numpy as np
import pytest

import gpu_laddu as gl

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
@pytest.mark.parametrize("n", [1000, 600_000, 5_000_003])  # plain copy; one staging piece; several
def test_columns_reach_the_device_exactly(gpu_ctx, dtype, n):
    rng = np.random.default_rng(n)
    host = rng.normal(size=n).astype(dtype) if np.dtype(dtype).kind == "f" else (
        rng.normal(size=n) + 1j * rng.normal(size=n)).astype(dtype)
    dev = gpu_ctx.asarray(host)
    assert dev.dtype == host.dtype and dev.shape == host.shape
    assert np.array_equal(gpu_ctx.to_numpy(dev), host)


def test_allocations_come_from_the_context_pool(gpu_ctx):
    import cupy

    default = cupy.get_default_memory_pool().used_bytes()
    before = gpu_ctx.memory.used
    column = gpu_ctx.asarray(np.ones(3_000_000))
    assert gpu_ctx.memory.used - before >= column.nbytes
    assert cupy.get_default_memory_pool().used_bytes() == default
    del column
    assert gpu_ctx.memory.used == before


def test_the_budget_limits_the_pool(gpu_ctx):  # gpu_ctx: skipped without a GPU
    import cupy

    ctx = gl.ExecutionContext(device="cuda", backend="cupy", memory_budget=1 << 20)
    assert ctx.memory.limit == 1 << 20
    ctx.asarray(np.ones(1000))
    with pytest.raises(cupy.cuda.memory.OutOfMemoryError):
        ctx.asarray(np.ones(1 << 18))  # 2 MiB
    ctx.close()


def test_each_context_has_its_own_stream(gpu_ctx):
    import cupy

    other = gl.ExecutionContext(device="cuda", backend="cupy")
    assert gpu_ctx.stream is not None and other.stream is not None
    assert gpu_ctx.stream.ptr not in (0, other.stream.ptr)
    with gpu_ctx.device_scope():
        assert cupy.cuda.get_current_stream().ptr == gpu_ctx.stream.ptr
        with other.device_scope():
            assert cupy.cuda.get_current_stream().ptr == other.stream.ptr
        assert cupy.cuda.get_current_stream().ptr == gpu_ctx.stream.ptr
    other.close()


def test_a_streamed_fit_sized_dataset_matches_resident(gpu_ctx):  # gpu_ctx: skipped without a GPU
    from gpu_laddu.canonical import kmatrix_benchmark_model
    from gpu_laddu.generate import generate_kskp, generate_kskp_mc

    cm = kmatrix_benchmark_model()
    out = {}
    for budget in (None, 200 << 20):  # 200k + 400k events: 144 MB of cache against a 200 MiB budget
        ctx = gl.ExecutionContext(device="cuda", backend="cupy", memory_budget=budget)
        data = generate_kskp(200_000, seed=1, pol_angle=0.7, ctx=ctx)
        mc = generate_kskp_mc(400_000, seed=2, pol_angle=0.7, ctx=ctx)
        nll = gl.NLL(cm.model, data, mc, normalization="events")
        out[budget] = (nll.value_and_gradient(cm.start), nll.mc_evaluator.chunk_plan,
                       ctx.to_numpy(nll.mc_evaluator.evaluate(cm.start)))  # tile by tile when streamed
        ctx.close()
    (v0, g0), plan0, e0 = out[None]
    (v1, g1), plan1, e1 = out[200 << 20]
    assert not plan0.streamed and plan1.streamed and plan1.n_chunks >= 3
    assert abs(v1 - v0) <= 1e-12 * abs(v0)
    assert np.max(np.abs(g1 - g0)) <= 1e-12 * np.max(np.abs(g0))
    assert np.max(np.abs(e1 - e0)) <= 1e-13 * np.max(np.abs(e0))
