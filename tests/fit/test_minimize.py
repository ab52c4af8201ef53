import re

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import FitError, LikelihoodError, ParameterError
from gpu_laddu.fit import fit
from gpu_laddu.fit.problem import resolve_problem
from gpu_laddu.ir.expr import ParameterSpec
from tests.fit.toys import TRUTH, Adapted, Broken, Chi2, DoubleWell, generate_linear, linear_toy
from tests.helpers import col

METHODS = ("migrad", "lbfgsb")


@pytest.fixture(scope="module")
def toy_events() -> np.ndarray:
    return generate_linear(np.random.default_rng(2024))


@pytest.mark.parametrize("method", METHODS)
def test_fit_recovers_truth(ctx, toy_events, method):  # every backend: numpy, numba, cupy
    result = fit(linear_toy(ctx, toy_events), method=method, progress=False)
    assert result.converged, result.message
    assert result.method == method and result.parameters == ("a", "b")
    for name, truth in TRUTH.items():
        assert 0 < result.errors[name] < 5
        assert abs(result.values[name] - truth) < 3 * result.errors[name], (name, result)
    assert result.n_calls > 2
    assert np.allclose(result.covariance, result.covariance.T)


def test_minimizers_agree(cpu_ctx, toy_events):
    nll = linear_toy(cpu_ctx, toy_events)
    m = fit(nll, method="migrad", tol=0.01, progress=False)
    s = fit(nll, method="lbfgsb", progress=False)
    assert abs(m.fval - s.fval) < 1e-4
    assert np.allclose(m.x, s.x, atol=0.02 * m.std.min())
    np.testing.assert_allclose(s.covariance, m.covariance, rtol=0.03)


def test_shape_only_nll_with_complex_parameter_and_bounds(cpu_ctx):
    rng = np.random.default_rng(5)
    c = 2.0 + 1.5j
    x = rng.uniform(0, 1, 40000)
    x = x[rng.uniform(0, abs(1 + c) ** 2, x.size) < np.abs(1 + c * x) ** 2][:4000]
    cr, ci = gl.parameter("cr", initial=1.0), gl.parameter("ci", initial=0.5, bounds=(0.0, None))
    model = gl.Model((gl.Scalar("one", 1.0) + gl.ComplexScalar("C", cr, ci) * col("x")).norm_sqr())
    grid = gl.from_numpy(scalars={"x": (np.arange(3000) + 0.5) / 3000}, ctx=cpu_ctx)
    nll = Adapted(gl.NLL(model, gl.from_numpy(scalars={"x": x}, ctx=cpu_ctx), grid))
    for method in METHODS:
        r = fit(nll, method=method, progress=False)
        assert r.converged, r.message
        assert abs(r.values["cr"] - c.real) < 3 * r.errors["cr"]
        assert abs(r.values["ci"] - c.imag) < 3 * r.errors["ci"]


@pytest.mark.parametrize("method", METHODS)
def test_covariance_is_twice_inverse_hessian_on_gaussian(method):
    cov = np.array([[0.04, 0.018, 0.0], [0.018, 0.09, -0.05], [0.0, -0.05, 1.0]])
    r = fit(Chi2(np.array([1.0, -2.0, 0.5]), cov), method=method, progress=False)
    assert r.converged
    np.testing.assert_allclose(r.x, [1.0, -2.0, 0.5], atol=1e-4)
    np.testing.assert_allclose(r.covariance, cov, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(r.std, np.sqrt(np.diag(cov)), rtol=1e-3)
    assert r.fval == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_poisson_yield_error_is_analytic(cpu_ctx, method):
    # I = n²; ExtendedNLL F = 2[n² − N ln n²] (MC weights sum to 1): n̂ = √N, σ(n) = 1/2 for any N
    n = gl.parameter("n", initial=10.0, bounds=(0.0, None))
    model = gl.Model(gl.Scalar("N", n).norm_sqr())
    data = gl.from_numpy(scalars={"x": np.zeros(400)}, ctx=cpu_ctx)
    mc = gl.from_numpy(scalars={"x": np.zeros(10)}, weights=np.full(10, 0.1), ctx=cpu_ctx)
    r = fit(Adapted(gl.ExtendedNLL(model, data, mc)), method=method, progress=False)
    assert r.values["n"] == pytest.approx(20.0, abs=1e-3)
    assert r.errors["n"] == pytest.approx(0.5, rel=1e-3)


def test_each_point_is_evaluated_once_and_values_skip_gradients():
    lik = Chi2(np.array([1.0, 2.0]), np.eye(2))
    r = fit(lik, initial=[5.0, -3.0], progress=False)
    # Migrad's value-only requests cost no gradient; value + gradient points are never repeated
    assert r.n_calls == lik.value_calls + len(lik.points)
    assert all(not np.array_equal(p, q) for p, q in zip(lik.points, lik.points[1:]))
    lbfgsb = Chi2(np.array([1.0, 2.0]), np.eye(2))
    r = fit(lbfgsb, initial=[5.0, -3.0], method="lbfgsb", progress=False)
    assert lbfgsb.value_calls == 0 and r.n_calls == len(lbfgsb.points)


@pytest.mark.parametrize("method", METHODS)
def test_restarts_keep_the_best(method):
    single = fit(DoubleWell(), method=method, progress=False)
    assert single.values["x"] == pytest.approx(1.0, abs=0.05)  # the local minimum next to the start
    best = fit(DoubleWell(), method=method, n_restarts=6, seed=1, progress=False)
    assert best.values["x"] == pytest.approx(-1.0, abs=0.05)
    assert best.fval < single.fval - 1.5
    assert best.n_calls > single.n_calls
    assert "best of 7 starts" in best.message
    again = fit(DoubleWell(), method=method, n_restarts=6, seed=1, progress=False)
    assert again.fval == best.fval and again.n_calls == best.n_calls


def test_max_calls_is_respected():
    lik = Chi2(np.zeros(3), np.diag([1.0, 4.0, 9.0]) * 1e-4)
    r = fit(lik, initial=[1.0, 1.0, 1.0], max_calls=5, progress=False)
    assert not r.converged
    assert "call limit" in r.message
    r = fit(lik, initial=[1.0, 1.0, 1.0], method="lbfgsb", max_calls=3, progress=False)
    assert not r.converged
    assert "LIMIT" in r.message.upper()


def test_initial_from_specs_and_bound_midpoints():
    specs = {"p0": ParameterSpec("p0", 0.3), "p1": ParameterSpec("p1", None, (1.0, 3.0)),
             "p2": ParameterSpec("p2", None, (-1.0, None))}
    lik = Chi2(np.zeros(3), np.eye(3), specs)
    with pytest.raises(FitError, match=r"no initial value for parameter\(s\) \['p2'\]"):
        fit(lik, progress=False)
    problem = resolve_problem(lik, {"p2": 0.7})
    assert problem.x0.tolist() == [0.3, 2.0, 0.7]
    assert problem.bounds == ((-np.inf, np.inf), (1.0, 3.0), (-1.0, np.inf))
    problem = resolve_problem(lik, [0.0, 0.0, 0.0], bounds={"p1": None})
    assert problem.bounds[1] == (-np.inf, np.inf)


def test_missing_initial_without_bounds():
    lik = Chi2(np.zeros(2), np.eye(2), specs={})
    with pytest.raises(FitError, match=r"no initial value for parameter\(s\) \['p0', 'p1'\]"):
        fit(lik, progress=False)


def test_bad_initial_values_and_bounds():
    specs = {"p0": ParameterSpec("p0", 0.5, (0.0, 1.0)), "p1": ParameterSpec("p1", 0.0)}
    lik = Chi2(np.zeros(2), np.eye(2), specs)
    with pytest.raises(ParameterError, match=r"'p0' = 2.0 is outside its bounds \(0.0, 1.0\)"):
        fit(lik, initial=[2.0, 0.0], progress=False)
    with pytest.raises(ParameterError, match=r"'p1' = 5.0 is outside its bounds \(-3.0, 3.0\)"):
        fit(lik, bounds=[None, (-3.0, 3.0)], initial={"p1": 5.0}, progress=False)
    with pytest.raises(ParameterError, match="finite"):
        fit(lik, initial=[np.nan, 0.0], progress=False)
    with pytest.raises(ParameterError, match="finite"):
        fit(lik, initial={"p0": 0.5, "p1": np.inf}, progress=False)
    with pytest.raises(ParameterError, match="unknown parameter"):
        fit(lik, initial={"zz": 1.0}, progress=False)
    with pytest.raises(ParameterError, match="expected 2"):
        fit(lik, initial=[0.5], progress=False)
    with pytest.raises(ParameterError, match="low < high"):
        fit(lik, bounds=[(1.0, 0.0), None], progress=False)
    with pytest.raises(ParameterError, match="unknown parameter"):
        fit(lik, bounds={"q": (0, 1)}, progress=False)


def test_unknown_method_and_bad_counts():
    lik = Chi2(np.zeros(1), np.eye(1))
    with pytest.raises(FitError, match="unknown fit method 'simplex'.*'migrad', 'lbfgsb'"):
        fit(lik, method="simplex", progress=False)
    with pytest.raises(FitError, match="n_restarts"):
        fit(lik, n_restarts=-1, progress=False)
    with pytest.raises(FitError, match="max_calls"):
        fit(lik, max_calls=0, progress=False)
    with pytest.raises(FitError, match="tol"):
        fit(lik, tol=0.0, progress=False)
    with pytest.raises(FitError, match="seed"):
        fit(lik, n_restarts=1, seed=-3, progress=False)


@pytest.mark.parametrize("method", METHODS)
def test_start_where_intensity_is_not_positive(cpu_ctx, method):
    a, b = gl.parameter("a", initial=-1.0), gl.parameter("b", initial=0.0)
    model = gl.Model(gl.Scalar("A", a).real() + gl.Scalar("B", b).real() * col("x"))  # linear: negative at a < 0
    x = np.linspace(0.05, 0.95, 50)
    nll = Adapted(gl.ExtendedNLL(model, gl.from_numpy(scalars={"x": x}, ctx=cpu_ctx),
                                 gl.from_numpy(scalars={"x": x}, ctx=cpu_ctx)))
    with pytest.raises(FitError, match="cannot be evaluated at the starting point") as info:
        fit(nll, method=method, progress=False)
    assert isinstance(info.value.__cause__, LikelihoodError)
    assert "intensity" in str(info.value)
    with pytest.raises(FitError, match="starting point"):
        fit(Broken(), method=method, n_restarts=2, seed=0, progress=False)


def test_failed_restarts_are_skipped():
    class HalfBroken(DoubleWell):
        def value_and_gradient(self, p):
            if p[0] < -0.5:
                raise LikelihoodError("the intensity is <= 0")
            return super().value_and_gradient(p)

    r = fit(HalfBroken(), method="migrad", n_restarts=8, seed=3, progress=False)
    assert r.values["x"] == pytest.approx(1.0, abs=0.05)
    failed = re.search(r"; (\d+) could not be evaluated", r.message)
    assert failed and int(failed.group(1)) > 0, r.message


class Cliff:
    """F = 10·(x − 0.7)², undefined (LikelihoodError) for x <= 0.5; L-BFGS-B's first step from 1 lands at 0."""

    parameters = ("x",)
    ctx = DoubleWell.ctx

    def value(self, p):
        return self.value_and_gradient(p)[0]

    def value_and_gradient(self, p):
        x = float(p[0])
        if x <= 0.5:
            raise LikelihoodError("the intensity is <= 0 or non-finite at 3 data event(s)")
        return 10.0 * (x - 0.7) ** 2, np.array([20.0 * (x - 0.7)])

    def parameter_specs(self):
        return {"x": ParameterSpec("x", 1.0)}


def test_undefined_region_during_the_fit():
    stepped = fit(Cliff(), method="lbfgsb", progress=False)  # L-BFGS-B sees a wall there and steps back
    assert stepped.converged and stepped.values["x"] == pytest.approx(0.7, abs=1e-4)
    assert re.search(r"stepped back from [1-9]\d* point", stepped.message), stepped.message
    r = fit(Cliff(), method="migrad", progress=False)  # Migrad sees +inf there and backs off
    assert r.converged and r.values["x"] == pytest.approx(0.7, abs=1e-3)
    assert r.errors["x"] == pytest.approx(np.sqrt(2 / 20), rel=1e-3)
    ok = fit(Cliff(), method="lbfgsb", bounds=[(0.55, None)], progress=False)
    assert ok.values["x"] == pytest.approx(0.7, abs=1e-4)
