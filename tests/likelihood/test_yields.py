"""Intensity integrals, yields, acceptance and cross sections: laddu 0.28.1 parity, Jacobians, closure."""

import math

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model
from gpu_laddu.errors import ModelError, ParameterError
from tests.laddu_models import laddu_bw_zlm_tagged
from tests.laddu_oracle import laddu_dataset

S_WAVE = ["S0+", "f0(1500)", "Z00+"]
D_WAVE = ["D2+", "f2(1525)", "Z22+"]


@pytest.fixture(scope="module")
def samples():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    cm = bw_zlm_model()
    data = gl.generate_by_model(cm.model, cm.truth, 400, seed=21, ctx=ctx, pilot_events=3000)
    gen = gl.generate_kskp_mc(1500, seed=22, ctx=ctx)
    acc = gl.generate_kskp_mc(900, seed=23, ctx=ctx)
    w = np.full(acc.n_events, 400 / 900 / 5.0)  # MC weights in expected-event units (roughly)
    acc = gl.from_numpy(p4s={n: np.stack(acc.p4(n), axis=1) for n in acc.p4_names},
                        scalars={n: acc.scalar(n) for n in acc.scalar_names}, weights=w, ctx=ctx)
    return cm, data, acc, gen


@pytest.fixture(scope="module")
def fitted(samples):
    cm, data, acc, gen = samples
    nll = gl.ExtendedNLL(cm.model, data, acc)
    return nll, nll.fit(initial=cm.start, progress=False)


def _laddu_likelihood(laddu, samples, extended=True):
    cm, data, acc, gen = samples
    cls = laddu.ExtendedNLL if extended else laddu.NLL
    term = cls(laddu.Model(laddu_bw_zlm_tagged()), data=laddu_dataset(data), accepted_mc=laddu_dataset(acc), name="t")
    return laddu.Likelihood([term])


def _rel(a, b):
    return abs(a - b) / abs(b)


def test_integrals_match_laddu(laddu, samples, fitted):
    cm, data, acc, gen = samples
    nll, res = fitted
    lik = _laddu_likelihood(laddu, samples)
    lgen = laddu_dataset(gen)
    p = res.values
    for tags, names in ((None, None), (["S"], S_WAVE), (["D"], D_WAVE)):
        theirs = lik.intensity_integrals("t", generated_mc=lgen, tags=tags)
        ours = nll.intensity_integrals(gen, names)
        assert _rel(ours.accepted_integral(p), theirs.accepted_integral(p)) <= 1e-9
        assert _rel(ours.generated_integral(p), theirs.generated_integral(p)) <= 1e-9
        assert ours.data_weight_sum == theirs.data_weight_sum
    # glob patterns select the same wave
    assert nll.intensity_integrals(gen, ["S0?", "f0*", "Z00+"]).generated_integral(p) == pytest.approx(
        nll.intensity_integrals(gen, S_WAVE).generated_integral(p), rel=1e-15)


def test_yields_and_cross_section_match_laddu(laddu, samples, fitted):
    cm, data, acc, gen = samples
    nll, res = fitted
    lik = _laddu_likelihood(laddu, samples)
    lgen = laddu_dataset(gen)
    p = [res.values[n] for n in lik.parameter_names]
    ctx_y = lik.yield_context("t", generated_mc=lgen, parameters=p)
    ours = nll.yields(res, gen, waves={"S": S_WAVE, "D": D_WAVE, "all": list(cm.model.amplitudes)})
    assert _rel(ours["all"].accepted.value, ctx_y.accepted_fitted_yield().central) <= 1e-9
    assert _rel(ours["all"].generated.value, ctx_y.generated_fitted_yield().central) <= 1e-9
    assert ctx_y.selected_yield().central == data.sum_weights
    for label, tags in (("S", ["S"]), ("D", ["D"])):
        proj = lik.projection("t", generated_mc=lgen, tags=tags)
        assert _rel(ours[label].accepted.value, proj.accepted_integral(p)) <= 1e-9
        assert _rel(ours[label].generated.value, proj.generated_integral(p)) <= 1e-9
    # cross section and luminosity units
    lumi = laddu.Luminosity(2.5, laddu.AreaUnit.NANOBARN).with_relative_uncertainty(0.04, 1)
    theirs = lik.cross_section("t", lgen, lumi, p)
    xs = nll.cross_section(res, gen, gl.Luminosity(2.5, "nb^-1", relative_uncertainty=0.04))
    assert _rel(xs.value, theirs.total.central) <= 1e-9
    assert _rel(xs.generated_integral, theirs.generated_integral.central) <= 1e-9
    assert _rel(xs.accepted_integral, theirs.accepted_integral.central) <= 1e-9
    assert xs.data_yield == theirs.data_yield.central and xs.unit == "nb"
    assert xs.lumi_error == pytest.approx(0.04 * xs.value, rel=1e-15)
    assert gl.Luminosity(2.5, "nb^-1").to_unit("pb^-1").value == pytest.approx(
        laddu.Luminosity(2.5, laddu.AreaUnit.NANOBARN).to_unit(laddu.AreaUnit.PICOBARN).value, rel=1e-15)


def test_errors_are_the_covariance_through_the_jacobian(samples, fitted):
    cm, data, acc, gen = samples
    nll, res = fitted
    ii = nll.intensity_integrals(gen, D_WAVE)
    value, grad = ii.generated_integral_and_gradient(res.x)
    fd = np.empty_like(grad)
    for i in range(len(res.x)):
        h = 1e-6 * max(abs(res.x[i]), 1.0)
        up, dn = res.x.copy(), res.x.copy()
        up[i] += h
        dn[i] -= h
        fd[i] = (ii.generated_integral(up) - ii.generated_integral(dn)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9 * np.max(np.abs(fd)))
    y = nll.yields(res, gen, waves={"D": D_WAVE})["D"]
    assert y.generated.value == pytest.approx(value, rel=1e-14)
    assert y.generated.error == pytest.approx(math.sqrt(fd @ res.covariance @ fd), rel=1e-5)
    xs = nll.cross_section(res, gen, gl.Luminosity(0.5, "pb-1"), names=["D2?", "f2*", "Z22+"])
    assert xs.stat_error == pytest.approx(y.generated.error / 0.5, rel=1e-6)


def test_shape_only_nll_is_scaled_to_the_data(samples, fitted):
    cm, data, acc, gen = samples
    _, res = fitted
    nll = gl.NLL(cm.model, data, acc)
    y = nll.yields(res, gen)["total"]
    assert not y.absolute
    assert y.accepted.value == pytest.approx(data.sum_weights, rel=1e-12)
    # the acceptance-corrected yield is what the data-normalised projection on generated MC sums to
    assert y.generated.value == pytest.approx(float(np.sum(nll.project(res.values, mc=gen))), rel=1e-12)
    with pytest.raises(ModelError, match="ExtendedNLL"):
        nll.cross_section(res, gen, gl.Luminosity(1.0, "pb^-1"))


def test_bad_input(samples, fitted):
    cm, data, acc, gen = samples
    nll, res = fitted
    for value in (0.0, -1.0, float("nan")):
        with pytest.raises(ParameterError, match="value"):
            gl.Luminosity(value, "pb^-1")
    with pytest.raises(ParameterError, match="unit is required"):
        gl.Luminosity(1.0, None)
    with pytest.raises(ParameterError, match="unknown unit"):
        gl.Luminosity(1.0, "m^2")
    with pytest.raises(ParameterError, match="relative_uncertainty"):
        gl.Luminosity(1.0, "pb^-1", relative_uncertainty=-0.1)
    with pytest.raises(ParameterError, match="gl.Luminosity"):
        nll.cross_section(res, gen, 3.0)
    with pytest.raises(ModelError, match="unknown amplitude"):
        nll.yields(res, gen, waves={"X": ["nope"]})
    other = gl.FitResult(("a",), np.array([1.0]), np.array([0.1]), np.array([[0.01]]), 0.0, True, 1, "", "migrad")
    with pytest.raises(ParameterError, match="no value for parameter"):
        nll.yields(other, gen)


def test_closure_pulls_of_the_generated_yield():
    """20 toys (the 50-toy study is benches/bench_yield_closure.py): pulls of acceptance-corrected yields."""
    from benches.bench_yield_closure import summarize, toy

    rows = [toy(seed) for seed in range(20)]
    assert all(r["converged"] for r in rows)
    for wave, s in summarize(rows).items():
        # 20 toys: the mean's error is ~0.22, the width's ~0.16
        assert abs(s["mean"]) < 3 * s["mean_err"] and abs(s["width"] - 1) < 3 * s["width_err"], (wave, s)
