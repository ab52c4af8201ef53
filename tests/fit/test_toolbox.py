"""The fit toolbox: MINOS, profiles, contours, valid/accurate, more minimisers, restart summaries."""

import json

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import FitError, ParameterError
from tests.helpers import col

N_DATA = 800


@pytest.fixture(scope="module")
def samples():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, 8000)
    keep = rng.uniform(0, 9, x.size) < (1.0 - 1.5 * x) ** 2 + 4.0 * x**4
    data = gl.from_numpy(scalars={"x": x[keep][:N_DATA]}, ctx=ctx)
    n_mc = 3000
    mc = gl.from_numpy(scalars={"x": rng.uniform(0, 1, n_mc)}, weights=np.full(n_mc, 1.0 / n_mc), ctx=ctx)
    return data, mc


def _model(**fixed):
    a = gl.parameter("a", initial=20.0, bounds=(0.0, 100.0))
    b = gl.parameter("b", initial=-40.0)
    c = gl.parameter("c", initial=10.0, bounds=(0.5, 100.0))
    x = col("x")
    model = gl.Model((gl.Scalar("A", a) + gl.Scalar("B", b) * x).norm_sqr()
                     + gl.Scalar("C", c).norm_sqr() * x * x * x * x)
    for k, v in fixed.items():
        model = model.fix(k, v)
    return model


@pytest.fixture(scope="module")
def nll(samples):
    """Extended NLL of I(x) = |a + b·x|² + c²·x⁴ (3 parameters, all determined by the data)."""
    return gl.ExtendedNLL(_model(), *samples)


def test_minos_agrees_with_iminuit_directly(nll):
    from iminuit import Minuit

    res = nll.fit(progress=False)
    assert res.minuit is not None and res.valid and res.accurate and res.converged
    ours = res.minos()
    m = Minuit(nll.value, res.x, name=nll.parameters)
    m.errordef = Minuit.LEAST_SQUARES
    m.limits = [(0.0, 100.0), (None, None), (0.5, 100.0)]
    m.migrad()
    m.minos()
    for n in nll.parameters:
        lo, hi = ours[n]
        assert lo < 0 < hi
        assert lo == pytest.approx(m.merrors[n].lower, rel=2e-3)
        assert hi == pytest.approx(m.merrors[n].upper, rel=2e-3)
    # profile: ΔF = 1 where MINOS put the interval
    prof = nll.profile("b", result=res, bound=(res.values["b"] + ours["b"][0], res.values["b"] + ours["b"][1]),
                       size=3)
    assert prof.fval[0] - res.fval == pytest.approx(1.0, abs=2e-3)
    assert prof.fval[-1] - res.fval == pytest.approx(1.0, abs=2e-3)
    pts = nll.contour("a", "b", result=res, size=8)
    assert pts.shape == (9, 2)
    # on the contour, the profile over c rises by ΔF ≈ 2.3 (68% in two parameters)
    inner = nll.fit(initial={"a": pts[0, 0], "b": pts[0, 1], "c": res.values["c"]},
                    bounds={"a": (pts[0, 0] - 1e-9, pts[0, 0] + 1e-9), "b": (pts[0, 1] - 1e-9, pts[0, 1] + 1e-9)},
                    progress=False)
    assert inner.fval - res.fval == pytest.approx(2.2789, abs=0.05)


def test_toolbox_bad_input(nll, samples):
    res = nll.fit(method="lbfgsb", progress=False)
    with pytest.raises(FitError, match="method='migrad'"):
        res.minos("a")
    with pytest.raises(FitError, match="Migrad fit result"):
        nll.profile("a", result=res)
    migrad = nll.fit(progress=False)
    with pytest.raises(ParameterError, match="unknown parameter"):
        migrad.minos("zz")
    with pytest.raises(ParameterError, match="twice"):
        nll.contour("a", "a", result=migrad)
    with pytest.raises(ParameterError, match="unknown parameter 'zz'"):
        nll.profile("zz", result=migrad)
    fixed = gl.ExtendedNLL(_model(c=10.0), *samples)
    with pytest.raises(ParameterError, match="'c' is fixed"):
        fixed.contour("a", "c")
    with pytest.raises(FitError, match="size"):
        nll.profile("a", result=migrad, size=1)


@pytest.mark.parametrize("method", ["lbfgsb", "nelder-mead", "powell", "trust-constr", "cmaes"])
def test_methods_find_migrads_minimum(nll, method):
    ref = nll.fit(progress=False)
    res = nll.fit(method=method, seed=3, progress=False)
    assert res.method == method and res.minuit is None
    assert res.valid and res.accurate, res.message
    assert res.fval == pytest.approx(ref.fval, abs=1e-4)
    np.testing.assert_allclose(res.x, ref.x, atol=5e-3)
    np.testing.assert_allclose(res.std, ref.std, rtol=2e-2)


def test_restart_summary_and_json(nll):
    res = nll.fit(n_restarts=2, seed=11, progress=False)
    assert len(res.starts) == 3 and [e["start"] for e in res.starts] == [0, 1, 2]
    assert res.fval == min(e["fval"] for e in res.starts)
    assert "start" in str(res) and "<table>" in res._repr_html_()
    back = gl.FitResult.from_json(res.to_json())
    assert back.valid == res.valid and back.accurate == res.accurate and back.minuit is None
    assert [e["fval"] for e in back.starts] == [e["fval"] for e in res.starts]
    json.loads(res.to_json())


def test_converged_is_never_shown_without_the_covariance_verdict():
    r = gl.FitResult(("a",), np.array([1.0]), np.array([0.5]), np.array([[0.25]]), 0.0, True, 3,
                     "Migrad: valid minimum; covariance not accurate", "migrad", valid=True, accurate=False)
    text = str(r)
    assert "converged (valid minimum, covariance NOT accurate" in text
    assert "covariance NOT accurate" in r._repr_html_()
    old = gl.FitResult.from_dict({k: v for k, v in r.to_dict().items() if k not in ("valid", "accurate")})
    assert old.valid is True and old.accurate is True  # older JSON: finite covariance
