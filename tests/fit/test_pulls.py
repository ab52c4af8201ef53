"""A small pull ensemble: toys generated from known truth, fitted, (fit − truth)/error ~ N(0, 1)."""

import numpy as np

from gpu_laddu.fit import fit
from tests.fit.toys import TRUTH, generate_linear, linear_toy

N_TOYS = 40


def test_pull_ensemble(cpu_ctx):
    rng = np.random.default_rng(99)
    pulls = {name: [] for name in TRUTH}
    for _ in range(N_TOYS):
        result = fit(linear_toy(cpu_ctx, generate_linear(rng)), progress=False)
        assert result.converged, result.message
        for name, truth in TRUTH.items():
            pulls[name].append((result.values[name] - truth) / result.errors[name])
    for name, values in pulls.items():
        p = np.array(values)
        assert abs(p.mean()) < 0.5, (name, p)
        assert 0.6 < p.std(ddof=1) < 1.5, (name, p)
