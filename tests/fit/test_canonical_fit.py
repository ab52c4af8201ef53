"""Fit recovery on the canonical Breit–Wigner × Zlm model, with events generated from its truth."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model


@pytest.fixture(scope="module")
def bw_nll():
    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    cm = bw_zlm_model()
    model = cm.model.fix("S0+ re", cm.truth["S0+ re"])  # the shape-only NLL does not see the overall scale
    truth = {n: cm.truth[n] for n in model.parameters}
    data = gl.generate_by_model(model, truth, 20000, seed=12, ctx=ctx,
                                envelope_variable=gl.Mass(["kshort1", "kshort2"]))
    mc = gl.generate_kskp_mc(60000, seed=12, ctx=ctx)
    start = {n: cm.start[n] for n in model.parameters}
    return truth, start, gl.NLL(model, data, mc)


def test_fit_recovers_truth(bw_nll):
    truth, start, nll = bw_nll
    res = nll.fit(initial=start, progress=False)
    assert res.converged, res.message
    pulls = np.array([(res.values[n] - truth[n]) / res.errors[n] for n in nll.parameters])
    assert np.all(np.abs(pulls) < 3), dict(zip(nll.parameters, pulls.round(2)))


def test_migrad_and_lbfgsb_reach_the_same_minimum(bw_nll):
    truth, start, nll = bw_nll
    migrad = nll.fit(initial=start, method="migrad", progress=False)
    lbfgsb = nll.fit(initial=start, method="lbfgsb", progress=False)
    assert abs(migrad.fval - lbfgsb.fval) < 1e-4
    np.testing.assert_allclose(lbfgsb.x, migrad.x, atol=0.2 * migrad.std.max())
