"""The canonical γp → K_S K_S p models (K-matrix × Zlm, Breit–Wigner × Zlm) through every engine:
the same NLL and gradient from the interpreter, the fused Numba kernel and the normalisation
integrals, and generated CUDA that NVRTC compiles and that the CPU emulator runs correctly."""

from functools import cache

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model, demo_model, kmatrix_benchmark_model
from gpu_laddu.codegen.plan import make_plan
from gpu_laddu.generate import generate_kskp, generate_kskp_mc
from gpu_laddu.likelihood.engines import InterpreterEngine
from tests.codegen import cuda_emulator

BUILDERS = {"kmatrix": kmatrix_benchmark_model, "bw_zlm": bw_zlm_model, "demo": demo_model}
INTEGRALS = {"kmatrix": "integrals", "bw_zlm": "events", "demo": "integrals"}


def _close(a, b, tol=1e-12):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b)), (a, b)


def _samples(ctx):
    return generate_kskp(1500, seed=5, pol_angle=0.7, ctx=ctx), generate_kskp_mc(2500, seed=6, pol_angle=0.7, ctx=ctx)


@cache
def _reference(name):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    cm = BUILDERS[name]()
    return gl.NLL(cm.model, *_samples(ctx), normalization="events").value_and_gradient(cm.start)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_engines_agree(ctx, name):
    cm = BUILDERS[name]()
    data, mc = _samples(ctx)
    want = _reference(name)
    for normalization in ("events", "auto"):
        nll = gl.NLL(cm.model, data, mc, normalization=normalization)
        value, grad = nll.value_and_gradient(cm.start)
        _close(value, want[0])
        _close(grad, want[1])
    assert nll.mc_method == INTEGRALS[name]


@pytest.mark.skipif(not cuda_emulator.available(), reason="needs g++ (C++20) to emulate CUDA on the CPU")
@pytest.mark.parametrize("name", ["bw_zlm", "kmatrix"])
def test_emulated_cuda_kernel_of_a_canonical_model(name):
    """The generated CUDA of both benchmark models, run by the CPU emulator, against the interpreter."""
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    cm = BUILDERS[name]()
    ev = cm.model.load(_samples(ctx)[0])
    graph = ev.specialized_graph()
    plan = make_plan(graph[0], ev.parameters)
    p = np.array([cm.start[n] for n in ev.parameters])
    columns = [ev.cache[c.attrs[0].key] for c in plan.columns]
    got = cuda_emulator.EmulatedKernel(plan, "f64").sums(p, ev.weights, columns, True, True, sm_count=2)
    _close(got, InterpreterEngine(ctx, ev.cache, ev.weights, ev.parameters).sums(graph, p, True, True))


def test_kmatrix_kernel_compiles_with_nvrtc():
    backend = pytest.importorskip("gpu_laddu.backends.cupy_backend", reason="cupy is not installed")
    src = kmatrix_benchmark_model().model.kernel_source("cuda", precision="f32")
    try:
        ptx = backend.nvrtc_compile(src)
    except gl.IRError:
        raise
    except Exception as exc:  # noqa: BLE001 - NVRTC missing
        pytest.skip(f"NVRTC is not available ({type(exc).__name__})")
    assert ".entry gpu_laddu_nll_" in ptx
