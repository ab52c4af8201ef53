"""Ridge and Lasso penalties: laddu 0.28.1 parity, gradients, fits, bad input."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model
from gpu_laddu.errors import ParameterError
from tests.laddu_models import laddu_bw_zlm
from tests.laddu_oracle import laddu_dataset


@pytest.fixture(scope="module")
def events():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    return gl.generate_kskp(300, seed=3, ctx=ctx), gl.generate_kskp_mc(600, seed=4, ctx=ctx)


def _fd(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for i in range(len(x)):
        up, dn = x.copy(), x.copy()
        up[i] += h
        dn[i] -= h
        out[i] = (f(up) - f(dn)) / (2 * h)
    return out


def test_values_and_gradients_match_laddu(laddu, events):
    data, mc = events
    cm = bw_zlm_model()
    nll = gl.ExtendedNLL(cm.model, data, mc)
    ridge = gl.RidgePenalty(["D2+ re", "D2+ im"], lambda_=0.3)
    lasso = gl.LassoPenalty(["S0+ re", "D2+ im"], lambda_=0.7)
    total = nll + ridge + lasso
    term = laddu.ExtendedNLL(laddu.Model(laddu_bw_zlm()), data=laddu_dataset(data), accepted_mc=laddu_dataset(mc))
    lik = laddu.Likelihood([term, laddu.RidgePenalty(["D2+ re", "D2+ im"], lambda_=0.3),
                            laddu.LassoPenalty(["S0+ re", "D2+ im"], lambda_=0.7)])
    p = {"S0+ re": 1.1, "f0_width": 0.12, "D2+ re": 0.7, "D2+ im": -0.4, "f2_width": 0.09}
    v, g = total.value_and_gradient(p)
    lv, lg = lik.value_and_gradient(p)
    assert abs(v - lv) <= 1e-10 * abs(lv)
    assert np.max(np.abs(g - np.asarray(lg))) <= 1e-9 * np.max(np.abs(lg))
    # penalty parts alone, against their definitions and finite differences
    x = np.array([0.7, -0.4])
    assert ridge.value(x) == pytest.approx(2 * 0.3 * np.sum(x**2), rel=1e-15)
    assert ridge.gradient(x) == pytest.approx(_fd(ridge.value, x), rel=1e-7)
    y = np.array([1.1, -0.4])
    assert lasso.value(y) == pytest.approx(2 * 0.7 * np.sum(np.abs(y)), rel=1e-15)
    assert lasso.gradient(y) == pytest.approx(_fd(lasso.value, y), rel=1e-7)
    assert lasso.gradient([0.0, 1.0]).tolist() == [0.0, 1.4]  # the subgradient 0 at the kink


@pytest.mark.parametrize("method", ["migrad", "lbfgsb"])
def test_lasso_fit_shrinks_towards_zero(method):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = gl.from_numpy(scalars={"x": np.ones(10)}, ctx=ctx)
    a = gl.parameter("a", initial=2.0, bounds=(0.1, 10.0))
    b = gl.parameter("b", initial=0.5)
    nll = gl.ExtendedNLL(gl.Model((a * 1.0).norm_sqr() + (b * 1.0).norm_sqr() * 0.1), ds, ds)
    # Without a penalty b is undetermined beyond |a|²+0.1b² = 1; Lasso on b pulls it to 0.
    res = (nll + gl.LassoPenalty("b", lambda_=0.5)).fit(method=method, progress=False)
    assert abs(res.values["b"]) < 1e-2
    assert res.values["a"] == pytest.approx(1.0, abs=1e-2)


def test_bad_input(events):
    data, mc = events
    cm = bw_zlm_model()
    nll = gl.NLL(cm.model.fix("S0+ re", 1.0), data, mc)
    with pytest.raises(ParameterError, match="lambda_"):
        gl.RidgePenalty(["f0_width"], lambda_=-0.1)
    with pytest.raises(ParameterError, match="lambda_"):
        gl.LassoPenalty(["f0_width"], lambda_=float("nan"))
    with pytest.raises(ParameterError, match="at least one"):
        gl.RidgePenalty([], lambda_=1.0)
    with pytest.raises(ParameterError, match="unknown parameter 'nope'"):
        _ = nll + gl.RidgePenalty(["nope"], lambda_=1.0)
    with pytest.raises(ParameterError, match="'S0\\+ re' is fixed"):
        _ = nll + gl.LassoPenalty(["S0+ re"], lambda_=1.0)
    with pytest.raises(ParameterError, match="must be added to a likelihood"):
        gl.LikelihoodSum([gl.RidgePenalty(["a"], lambda_=1.0)])
