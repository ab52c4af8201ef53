"""Fused CUDA kernels on a real GPU (skipped with a reason elsewhere): agreement with the NumPy
interpreter, f32 accuracy, kernel caching per context, and bit-reproducible sums."""

import numpy as np
import pytest

import gpu_laddu as gl
from tests.codegen.models import MODELS, datasets

pytestmark = pytest.mark.gpu


def _reference(name, cls=gl.NLL):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx)
    model, p = MODELS[name]()
    return cls(model, data, mc, normalization="events").value_and_gradient(p)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("normalization", ["events", "auto"])
def test_cupy_matches_interpreter(gpu_ctx, name, normalization):
    data, mc = datasets(gpu_ctx)
    model, p = MODELS[name]()
    value, grad = gl.NLL(model, data, mc, normalization=normalization).value_and_gradient(p)
    want_value, want_grad = _reference(name)
    assert abs(value - want_value) <= 1e-12 * abs(want_value)
    assert np.max(np.abs(grad - want_grad)) <= 1e-12 * np.max(np.abs(want_grad))


def test_f32_nll_within_1e6(gpu_ctx):  # gpu_ctx: skip without a GPU
    ctx = gl.ExecutionContext(device=gpu_ctx.device, backend="cupy", precision="f32")
    data, mc = datasets(ctx)
    model, p = MODELS["kmatrix_like"]()
    value = gl.NLL(model, data, mc, normalization="events").value(p)
    assert value == pytest.approx(_reference("kmatrix_like")[0], rel=1e-6)
    ctx.close()


def test_kernels_are_cached_per_context_and_sums_are_reproducible(gpu_ctx):
    data, mc = datasets(gpu_ctx, 50_000, 50_000)
    model, p = MODELS["kmatrix_like"]()
    nll = gl.NLL(model, data, mc, normalization="events")
    first = nll.value_and_gradient(p)
    keys = set(gpu_ctx.kernel_cache)
    assert any(k[0] == "cuda" and k[-1] == "f64" for k in keys)
    again = gl.NLL(model, data, mc, normalization="events")
    second = again.value_and_gradient(p)
    assert set(gpu_ctx.kernel_cache) == keys  # the repeated load compiled nothing new
    assert first[0] == second[0] and np.array_equal(first[1], second[1])  # same order of summation


def test_result_arrays_stay_on_device(gpu_ctx):
    import cupy

    data, mc = datasets(gpu_ctx, 1000, 1000)
    model, p = MODELS["coherent"]()
    ev = model.load(data)
    assert isinstance(ev.evaluate(p), cupy.ndarray)
    assert all(isinstance(a, cupy.ndarray) for a in ev.cache.values())
    sums = ev.likelihood_sums(np.array(p), log=True, with_gradient=True)
    assert isinstance(sums, np.ndarray) and sums.shape == (len(p) + 2,)
