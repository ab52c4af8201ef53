"""Parameter points where the model is undefined, and sums that overflow (issue 14, defects 3 and 7).

A parameter-only sub-expression undefined at a point (√ or log of a negative number, log 0,
1/0) makes the likelihood raise :class:`LikelihoodError` on every backend, with or without
normalisation integrals; constant folding that fails at load raises :class:`ModelError`;
non-finite values or gradients (huge weights) raise :class:`LikelihoodError`; and the fit
drivers step back from such points instead of crashing.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import FitError, LikelihoodError, ModelError
from gpu_laddu.fit.problem import Objective
from gpu_laddu.ir.expr import log, sqrt
from tests.helpers import col

RNG = np.random.default_rng(14)


def _data(ctx, n=120, weight=None):
    x = RNG.uniform(0.2, 2.0, n)
    weights = None if weight is None else np.full(n, weight)
    return gl.from_numpy(scalars={"x": x}, weights=weights, ctx=ctx), gl.from_numpy(
        scalars={"x": RNG.uniform(0.2, 2.0, 2 * n)}, ctx=ctx)


UNDEFINED = {  # sub-expression of a, and points where it is undefined
    "sqrt": (lambda a: sqrt(a), [-1.0]),
    "log": (lambda a: log(a), [-1.0, 0.0]),
    "inverse": (lambda a: 1 / a, [0.0]),
}


@pytest.mark.parametrize("normalization", ["auto", "events"])
@pytest.mark.parametrize("kind", list(UNDEFINED))
def test_undefined_parameter_point_raises_likelihood_error(ctx, kind, normalization):
    f, points = UNDEFINED[kind]
    a, b = gl.parameter("a"), gl.parameter("b")
    model = gl.Model((gl.ComplexScalar("A", f(a), b) * col("x")).norm_sqr() + 0.1)
    data, mc = _data(ctx)
    nll = gl.NLL(model, data, mc, normalization=normalization)
    assert np.isfinite(nll.value([0.7, 0.2]))  # defined elsewhere
    for point in points:
        with pytest.raises(LikelihoodError, match="'a': " + repr(point)):
            nll.value([point, 0.2])
        with pytest.raises(LikelihoodError):
            nll.value_and_gradient([point, 0.2])


def test_infinite_derivative_raises_likelihood_error(ctx):
    """√a at a = 0 has a finite value and an infinite derivative."""
    a = gl.parameter("a")
    model = gl.Model((gl.ComplexScalar("A", sqrt(a), 1.0) * col("x")).norm_sqr())
    nll = gl.NLL(model, *_data(ctx))
    assert np.isfinite(nll.value([0.0]))
    with pytest.raises(LikelihoodError, match="gradient.* is not finite"):
        nll.value_and_gradient([0.0])


def test_the_interpreter_gives_ieee_values_like_the_kernels(cpu_ctx):
    a = gl.parameter("a")
    ev = gl.Model(gl.Scalar("A", sqrt(a)) * col("x")).load(_data(cpu_ctx)[0])
    assert np.isnan(ev.evaluate([-1.0])).all()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_failed_constant_folding_is_a_model_error(backend):
    if backend == "numba":
        pytest.importorskip("numba", reason="numba is not installed")
    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    w, y = gl.parameter("w"), gl.parameter("y")
    data, mc = _data(ctx)
    for expr, bad in [((w / y) * col("x"), 0.0), (sqrt(y) * w * col("x"), -4.0), (log(y) * w * col("x"), 0.0)]:
        model = gl.Model((gl.Scalar("S", expr)).norm_sqr())
        model = model.fix("y", bad) or model  # fix returns the model (a new one, or this one changed)
        with pytest.raises(ModelError, match="constant sub-expression"):
            model.load(data)
        with pytest.raises(ModelError, match="constant sub-expression"):
            gl.NLL(model, data, mc)


def _cliff_nll(ctx):
    """NLL with √a: undefined for a < 0, its minimum near a = 0.04 (L-BFGS-B's first step from 1 goes below 0)."""
    a = gl.parameter("a", initial=1.0)
    x = RNG.uniform(0.2, 2.0, 400)
    model = gl.Model((gl.Scalar("A", sqrt(a)) * col("x") + 0.2).norm_sqr())
    data = gl.from_numpy(scalars={"x": x}, ctx=ctx)
    return gl.ExtendedNLL(model, data, gl.from_numpy(scalars={"x": x}, weights=np.full(400, 3.0), ctx=ctx))


@pytest.mark.parametrize("method", ["migrad", "lbfgsb"])
def test_fits_step_back_from_undefined_points(cpu_ctx, method):
    nll = _cliff_nll(cpu_ctx)
    with pytest.raises(LikelihoodError):
        nll.value([-0.5])
    bounded = nll.fit(method=method, bounds=[(1e-9, None)], progress=False)  # the same minimum, never outside
    free = nll.fit(method=method, progress=False)
    assert free.values["a"] == pytest.approx(bounded.values["a"], abs=1e-4)
    assert free.fval == pytest.approx(bounded.fval, abs=1e-3)  # within the EDM goal
    assert "stepped back from" in free.message, free.message  # it did wander there


class _Huge:
    """A likelihood at the edge of overflow: Migrad's curvature estimates overflow to NaN steps."""

    parameters = ("x", "y")
    ctx = None

    def value(self, p):
        return self.value_and_gradient(p)[0]

    def value_and_gradient(self, p):
        p = np.asarray(p, dtype=float)
        if not np.all(np.isfinite(p)):
            raise gl.ParameterError(f"parameter values must be finite: {p}")
        with np.errstate(all="ignore"):
            value = 1e300 * float(np.sum((p - 1.0) ** 2)) + 1e300
            grad = 2e300 * (p - 1.0)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            raise LikelihoodError("not finite")
        return value, grad

    def parameter_specs(self):
        return {"x": gl.ir.expr.ParameterSpec("x", 0.0), "y": gl.ir.expr.ParameterSpec("y", 0.5)}


def test_objective_rejects_non_finite_proposals_without_evaluating():
    calls = []

    class Counting(_Huge):
        def value_and_gradient(self, p):
            calls.append(p)
            return super().value_and_gradient(p)

    obj = Objective(Counting())
    with pytest.raises(LikelihoodError, match="non-finite parameters"):
        obj.value(np.array([np.nan, 0.0]))
    with pytest.raises(LikelihoodError, match="non-finite parameters"):
        obj.value_and_gradient(np.array([0.0, np.inf]))
    assert calls == [] and obj.rejected == 2


@pytest.mark.parametrize("method", ["migrad", "lbfgsb"])
def test_overflowing_fits_end_in_a_result_or_a_fit_error(method):
    try:
        result = gl.fit(_Huge(), method=method, progress=False)
    except FitError as exc:
        assert "non-finite parameters" in str(exc)
    else:
        assert np.all(np.isfinite(result.x))


def test_huge_weights_give_a_likelihood_error_not_an_infinite_gradient(ctx):
    a, b = gl.parameter("a"), gl.parameter("b")
    model = gl.Model((gl.ComplexScalar("A", a, b) * col("x")).norm_sqr() + 0.1)
    n, weight = 50, 3e306
    data, mc = _data(ctx, n, weight)
    p = np.array([1.0, 0.3])
    # the oracle: Σ w·∂ln I/∂a overflows while N_w·ln S − Σ w·ln I stays finite
    x = ctx.to_numpy(data.scalar("x"))
    with np.errstate(all="ignore"):
        grad_a = np.sum(np.full(n, weight) * 2 * p[0] * x**2 / ((p[0] ** 2 + p[1] ** 2) * x**2 + 0.1))
    assert not np.isfinite(grad_a)
    nll = gl.NLL(model, data, mc)
    with pytest.raises(LikelihoodError, match="not finite"):
        nll.value_and_gradient(p)
