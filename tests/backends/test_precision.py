"""``precision="f32"``: raw columns stay float64, cache columns and per-event math are float32,
sums float64; on the canonical γp → K_S K_S p models the NLL is within 1e-6 (relative) of f64
on every backend, with the event loop and with normalisation integrals."""

from functools import cache

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model, demo_model, kmatrix_benchmark_model
from gpu_laddu.generate import generate_kskp, generate_kskp_mc

BUILDERS = {"kmatrix": kmatrix_benchmark_model, "bw_zlm": bw_zlm_model, "demo": demo_model}


def _samples(ctx):
    return generate_kskp(2000, seed=7, pol_angle=0.3, ctx=ctx), generate_kskp_mc(4000, seed=8, pol_angle=0.3, ctx=ctx)


@cache
def _reference(name, normalization):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    cm = BUILDERS[name]()
    return gl.NLL(cm.model, *_samples(ctx), normalization=normalization).value_and_gradient(cm.start)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_f32_nll_within_1e6_of_f64(backend, name):
    device = "cuda" if backend == "cupy" else "cpu"
    ctx = gl.ExecutionContext(device=device, backend=backend, precision="f32")
    cm = BUILDERS[name]()
    data, mc = _samples(ctx)
    for normalization in ("events", "auto"):
        nll = gl.NLL(cm.model, data, mc, normalization=normalization)
        value, grad = nll.value_and_gradient(cm.start)
        want_value, want_grad = _reference(name, normalization)
        assert value != want_value  # really computed in f32
        assert abs(value - want_value) <= 1e-6 * abs(want_value)
        assert np.max(np.abs(grad - want_grad)) <= 1e-5 * np.max(np.abs(want_grad))
    ev = nll.data_evaluator
    assert all(c.dtype == np.float64 for c in data.columns().values())  # raw columns stay f64
    assert {np.dtype(a.dtype) for a in ev.cache.values()} <= {np.dtype(np.float32), np.dtype(np.complex64)}
    assert ev.evaluate(cm.start).dtype == np.complex64
    ctx.close()
