import numpy as np
import pytest

from gpu_laddu.errors import FitError
from gpu_laddu.fit import bootstrap, fit
from gpu_laddu.fit.bootstrap import replica_seeds
from tests.fit.toys import Broken, Chi2, generate_linear, linear_toy


@pytest.fixture(scope="module")
def events() -> np.ndarray:
    return generate_linear(np.random.default_rng(11))


def _replica_maker(ctx, x):
    def make(seed: int):  # what Dataset.bootstrap(seed) does: weights × Poisson(1)
        return linear_toy(ctx, x, weights=np.random.default_rng(seed).poisson(1.0, len(x)).astype(float))
    return make


def test_bootstrap_spread_matches_fit_errors(cpu_ctx, events):
    nominal = fit(linear_toy(cpu_ctx, events), progress=False)
    boot = bootstrap(_replica_maker(cpu_ctx, events), 30, seed=5, initial=nominal.values, progress=False)
    assert boot.parameters == ("a", "b")
    assert boot.values.shape == (30, 2) and boot.n_failures == 0 and boot.ok.all()
    ratio = boot.std / nominal.std
    assert np.all((ratio > 0.6) & (ratio < 1.5)), ratio
    assert np.all(np.abs(boot.mean - nominal.x) < 1.0 * nominal.std)
    corr_boot = boot.covariance[0, 1] / np.prod(boot.std)
    assert corr_boot == pytest.approx(nominal.correlation[0, 1], abs=0.3)


def test_replicas_are_reproducible_from_the_seed(cpu_ctx, events):
    make = _replica_maker(cpu_ctx, events)
    one = bootstrap(make, 3, seed=8, initial=[40.0, 30.0], method="lbfgsb", progress=False)
    two = bootstrap(make, 3, seed=8, initial=[40.0, 30.0], method="lbfgsb", progress=False)
    assert one.seeds == two.seeds == replica_seeds(8, 3)
    np.testing.assert_array_equal(one.values, two.values)
    assert replica_seeds(9, 3) != one.seeds


def test_failures_are_counted_and_left_out():
    good = Chi2(np.array([2.0]), np.eye(1))
    seen = []

    def make(seed):
        seen.append(seed)
        return Broken() if len(seen) % 2 == 0 else good

    boot = bootstrap(make, 4, seed=0, initial=[0.0], progress=False)
    assert boot.n_failures == 2 and boot.ok.tolist() == [True, False, True, False]
    assert np.isnan(boot.values[1]).all() and np.isnan(boot.fvals[3])
    assert boot.mean.tolist() == pytest.approx([2.0])
    assert boot.good_values.shape == (2, 1)
    assert "2 of 4 replicas converged" in str(boot)


def test_bad_arguments():
    good = Chi2(np.zeros(1), np.eye(1))
    with pytest.raises(FitError, match="positive integer"):
        bootstrap(lambda s: good, 0, seed=1, initial=[0.0])
    with pytest.raises(FitError, match="seed"):
        bootstrap(lambda s: good, 2, seed=-1, initial=[0.0])
    with pytest.raises(FitError, match="unknown fit method"):
        bootstrap(lambda s: good, 2, seed=1, initial=[0.0], method="newton")
