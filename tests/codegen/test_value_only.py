"""Value-only kernels: the same value as the value + adjoint kernel, from a forward pass only.

Likelihood engines run a kernel planned with ``make_plan(..., gradient=False)`` for calls that
ask for the value alone (Migrad's line search).  Checked here: its value equals the value +
adjoint kernel's to 1e-12 on every catalogue model (numba, and the CUDA source through the
C++ emulator), its source has no adjoint code, and a value call compiles only it.
"""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.codegen.plan import make_plan
from tests.codegen import cuda_emulator
from tests.codegen.models import MODELS, datasets
from tests.helpers import col

TOL = 1e-12


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def test_value_only_plan_has_no_adjoint_code():
    model, _ = MODELS["kmatrix_like"]()
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ev = model.load(datasets(ctx, 50, 10)[0])
    value = ev.specialized_graph()[0]
    full = make_plan(value, ev.parameters)
    forward = make_plan(value, ev.parameters, gradient=False)
    assert forward.outputs == (value,) and forward.grad_nodes == () and forward.boundary == ()
    assert forward.value_nodes == full.value_nodes and forward.key != full.key
    assert forward.name.startswith("gpu_laddu_val_") and forward.n_out == 2


@pytest.mark.parametrize("name", ["kmatrix_like", "breit_wigner", "all_ops"])
def test_numba_value_only_kernel_matches_value_and_gradient_kernel(name):
    pytest.importorskip("numba")
    from cpu_fallback.numba_engine import NumbaEngine

    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    data, _ = datasets(ctx, 5000, 10)
    model, p = MODELS[name]()
    ev = model.load(data)
    engine = NumbaEngine(ctx, ev.cache, ev.weights, ev.parameters)
    graph = ev.specialized_graph()
    values = np.array(p)
    for log in (True, False):
        full = engine.sums(graph, values, log, True)
        forward = engine.sums(graph, values, log, False)
        assert _rel(forward[0], full[0]) <= TOL
        assert np.all(forward[1:-1] == 0) and forward[-1] == full[-1] == 0


def test_numba_value_call_compiles_only_the_value_kernel(tmp_path, monkeypatch):
    pytest.importorskip("numba")
    from cpu_fallback.numba_engine import kernel_stats, wait_for_background

    monkeypatch.setenv("GPU_LADDU_CACHE_DIR", str(tmp_path))
    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    data, mc = datasets(ctx, 300, 400)
    a, b = gl.parameter("a"), gl.parameter("b")
    model = gl.Model((gl.ComplexScalar("Q", a, b) * (col("x") + 0.314159j)).norm_sqr() + 0.271828)
    nll = gl.NLL(model, data, mc, normalization="events")
    before = kernel_stats()
    v = nll.value([0.3, 0.4])
    assert kernel_stats()["compiled"] == before["compiled"] + 1  # in this process: the value kernel only
    # (the loads prefetch the value + gradient kernel, compiled by a child process in the background)
    assert "val" in [f.name.split("_")[2] for f in tmp_path.joinpath("numba").glob("gpu_laddu_*.py")]
    v2, _ = nll.value_and_gradient([0.3, 0.4])
    wait_for_background()
    assert _rel(v, v2) <= TOL
    kinds = sorted(f.name.split("_")[2] for f in tmp_path.joinpath("numba").glob("gpu_laddu_*.py"))
    assert kinds == ["nll", "val"]


@pytest.mark.skipif(not cuda_emulator.available(), reason="needs g++ (C++20) to emulate CUDA on the CPU")
@pytest.mark.parametrize("name", ["kmatrix_like", "breit_wigner"])
def test_cuda_value_only_kernel_matches_value_and_gradient_kernel(name):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, _ = datasets(ctx, 3000, 10)
    model, p = MODELS[name]()
    ev = model.load(data)
    value = ev.specialized_graph()[0]
    kernels = [cuda_emulator.EmulatedKernel(make_plan(value, ev.parameters, gradient=g), "f64") for g in (True, False)]
    from gpu_laddu.codegen.cuda import emit_cuda

    assert "with_grad) {" in emit_cuda(kernels[0].plan) and "with_grad) {" not in emit_cuda(kernels[1].plan)
    for log in (True, False):
        sums = [k.sums(np.array(p), ev.weights, [ev.cache[c.attrs[0].key] for c in k.plan.columns], log, g, 1)
                for k, g in zip(kernels, (True, False))]
        assert _rel(sums[1][0], sums[0][0]) <= TOL
        assert np.all(sums[1][1:] == 0)
