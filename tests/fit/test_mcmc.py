import logging
import sys

import numpy as np
import pytest

from gpu_laddu.errors import FitError
from gpu_laddu.fit import fit, mcmc
from tests.fit.toys import Broken, Chi2, generate_linear, linear_toy

pytest.importorskip("emcee", reason="the mcmc extra is not installed (pip install 'gpu_laddu[mcmc]')")
pytest.importorskip("zeus", reason="the mcmc extra is not installed (pip install 'gpu_laddu[mcmc]')")

METHODS = ("aies", "ess")
COV = np.array([[1.0, 0.6], [0.6, 4.0]])


@pytest.mark.parametrize("method", METHODS)
def test_posterior_of_gaussian_has_covariance_c(method):
    # F = (p − μ)ᵀ C⁻¹ (p − μ) is 2·NLL of a Gaussian: exp(−F/2) has covariance C exactly
    r = mcmc(Chi2(np.array([1.0, -1.0]), COV), 16, 1500, method, seed=4, initial=[1.0, -1.0], spread=0.5,
             progress=False)
    flat = r.flat(discard=300)
    assert flat.shape == (1200 * 16, 2)
    np.testing.assert_allclose(flat.mean(axis=0), [1.0, -1.0], atol=0.25)
    np.testing.assert_allclose(np.cov(flat, rowvar=False), COV, rtol=0.2, atol=0.1)
    assert r.autocorr_time.shape == (2,) and np.all(r.autocorr_time > 0.5)
    assert r.autocorr_reliable == (50 * r.autocorr_time.max() < 1500)
    short = mcmc(Chi2(np.zeros(2), COV), 4, 3, method, seed=0, progress=False)
    assert not short.autocorr_reliable
    assert r.log_prob.shape == (1500, 16)
    assert r.n_calls >= 1500 * 16
    if method == "aies":
        assert r.acceptance_fraction.shape == (16,) and np.all(r.acceptance_fraction > 0.1)
    else:
        assert r.acceptance_fraction is None


@pytest.mark.parametrize(("method", "n_steps"), [("aies", 150), ("ess", 40)])  # ESS: ~5 calls a step, τ ~ 4
def test_chain_near_fit_minimum_on_toy(cpu_ctx, method, n_steps):
    nll = linear_toy(cpu_ctx, generate_linear(np.random.default_rng(3), a=20.0, b=15.0))
    best = fit(nll, progress=False)
    r = mcmc(nll, 8, n_steps, method, seed=2, initial=best.values, spread=0.05, progress=False)
    flat = r.flat(discard=n_steps // 2)
    assert np.all(np.abs(flat.mean(axis=0) - best.x) < 0.75 * best.std), (flat.mean(axis=0), best)
    assert np.all((0.3 * best.std < flat.std(axis=0)) & (flat.std(axis=0) < 2.0 * best.std))
    assert np.all(np.isfinite(r.autocorr_time)) and r.autocorr_time.shape == (2,)
    assert r.parameters == ("a", "b") and r.method == method


@pytest.mark.parametrize("method", METHODS)
def test_reproducible_and_leaves_global_state_alone(method):
    lik = Chi2(np.zeros(2), COV)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    one = mcmc(lik, 6, 40, method, seed=9, initial=[0.1, 0.1], progress=False)
    two = mcmc(lik, 6, 40, method, seed=9, initial=[0.1, 0.1], progress=False)
    np.testing.assert_array_equal(one.chain, two.chain)
    three = mcmc(lik, 6, 40, method, seed=10, initial=[0.1, 0.1], progress=False)
    assert not np.array_equal(one.chain, three.chain)
    assert root.handlers == handlers and root.level == level
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_walkers_respect_bounds():
    from gpu_laddu.ir.expr import ParameterSpec

    specs = {"p0": ParameterSpec("p0", 0.0, (0.0, 1.0)), "p1": ParameterSpec("p1", 0.0)}
    r = mcmc(Chi2(np.zeros(2), COV, specs), 8, 200, "aies", seed=1, spread=0.3, progress=False)
    assert r.chain[..., 0].min() >= 0.0 and r.chain[..., 0].max() <= 1.0
    assert r.chain[..., 0].mean() > 0.2  # a half-normal truncated to [0, 1]


def test_bad_requests(monkeypatch):
    lik = Chi2(np.zeros(3), np.eye(3))
    with pytest.raises(FitError, match=r"at least 2 × 3 = 6 walkers"):
        mcmc(lik, 5, 10, progress=False)
    with pytest.raises(FitError, match="unknown MCMC method 'hmc'.*'aies', 'ess'"):
        mcmc(lik, 8, 10, "hmc", progress=False)
    with pytest.raises(FitError, match="even number of walkers"):
        mcmc(lik, 7, 10, "ess", progress=False)
    with pytest.raises(FitError, match="n_steps"):
        mcmc(lik, 8, 0, progress=False)
    with pytest.raises(FitError, match="spread"):
        mcmc(lik, 8, 10, spread=-1.0, progress=False)
    with pytest.raises(FitError, match="starting point") as info:
        mcmc(Broken(), 4, 10, progress=False)
    assert info.value.__cause__ is not None
    with pytest.raises(FitError, match="discard"):
        mcmc(lik, 6, 3, seed=0, progress=False).flat(discard=-1)
    for module, method in (("emcee", "aies"), ("zeus", "ess")):
        monkeypatch.setitem(sys.modules, module, None)
        with pytest.raises(FitError, match=rf"needs {module}.*pip install 'gpu_laddu\[mcmc\]'"):
            mcmc(lik, 8, 10, method, progress=False)
