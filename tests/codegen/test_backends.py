"""Every backend agrees with the NumPy interpreter on every catalogue model (values and gradients)."""

from functools import cache

import numpy as np
import pytest

import gpu_laddu as gl
from tests.codegen.models import MODELS, datasets
from tests.helpers import col


def _close(a, b, tol):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b)), (a, b)


@cache
def _reference(name: str, cls_name: str) -> tuple[float, np.ndarray]:
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx)
    model, p = MODELS[name]()
    return getattr(gl, cls_name)(model, data, mc, normalization="events").value_and_gradient(p)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("cls_name", ["NLL", "ExtendedNLL"])
def test_value_and_gradient_match_interpreter(ctx, name, cls_name):
    data, mc = datasets(ctx)
    model, p = MODELS[name]()
    nll = getattr(gl, cls_name)(model, data, mc, normalization="events")
    value, grad = nll.value_and_gradient(p)
    want_value, want_grad = _reference(name, cls_name)
    _close(value, want_value, 1e-12)
    _close(grad, want_grad, 1e-12)
    assert nll.value(p) == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize("name", ["kmatrix_like", "all_ops"])
def test_f32_within_1e6_of_f64(backend, name):
    device = "cuda" if backend == "cupy" else "cpu"
    ctx = gl.ExecutionContext(device=device, backend=backend, precision="f32")
    data, mc = datasets(ctx)
    model, p = MODELS[name]()
    value, grad = gl.NLL(model, data, mc, normalization="events").value_and_gradient(p)
    want_value, want_grad = _reference(name, "NLL")
    assert value == pytest.approx(want_value, rel=1e-6)
    _close(grad, want_grad, 1e-4)
    ctx.close()


def test_bad_intensity_is_counted_by_every_engine(ctx):
    data, mc = datasets(ctx)
    a = gl.parameter("a")
    model = gl.Model(gl.Scalar("S", a).real() + col("y"))  # negative where y < -a
    with pytest.raises(gl.LikelihoodError, match=r"<= 0 or non-finite at \d+ data event"):
        gl.NLL(model, data, mc).value([0.5])
    sums = model.load(data).likelihood_sums(np.array([0.5]), log=True, with_gradient=True)
    assert sums[-1] == np.count_nonzero(0.5 + ctx.to_numpy(data.scalar("y")) <= 0)
    mc_sums = model.load(mc).likelihood_sums(np.array([0.5]), log=False, with_gradient=True)
    w, y = ctx.to_numpy(mc.weights), ctx.to_numpy(mc.scalar("y"))
    _close(mc_sums, np.array([np.sum(w * (0.5 + y)), np.sum(w), 0.0]), 1e-13)


class _Src:
    key = ("empty-test",)
    dtype = "complex"

    def compute(self, dataset, memo):
        raise AssertionError("not computed here")

    def required_columns(self):
        return frozenset(), frozenset()


def test_zero_local_events_give_zero_sums(ctx):
    from gpu_laddu.ir.nodes import column, make, param
    from gpu_laddu.likelihood.engines import make_engine

    a = param("a")
    b = column(_Src())
    value = make("norm_sqr", (make("mul", (b, make("to_complex", (a,)))),))
    graph = [value, make("mul", (make("norm_sqr", (b,)), make("mul", (a, gl.constant(2.0).node))))]
    xp = ctx.xp
    engine = make_engine(ctx, {_Src.key: xp.zeros(0, dtype=ctx.complex_dtype)}, xp.zeros(0), ("a",))
    assert engine.sums(graph, np.array([1.5]), True, True).tolist() == [0.0, 0.0, 0.0]
    assert engine.sums(graph, np.array([1.5]), False, False).tolist() == [0.0, 0.0, 0.0]
