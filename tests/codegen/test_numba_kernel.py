"""The fused Numba kernel's arithmetic: fast-math must not cost the compensated block sums or
the bad-intensity count, and the reverse-mode gradient equals the forward-mode oracle."""

import numpy as np
import pytest

import gpu_laddu as gl
from tests.helpers import col

pytest.importorskip("numba")

N = 64 * 32  # one chunk of 32 blocks


def _load(values, backend="numba"):
    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    ds = gl.from_numpy(scalars={"y": np.asarray(values, dtype=float)}, ctx=ctx, check_finite=False)
    a = gl.parameter("a")
    return gl.Model(gl.Scalar("A", a).real() * col("y")).load(ds)


def test_block_sums_are_compensated():
    """Block 0 sums to 1e16, the 31 others to 1 each: a plain sum rounds every +1 away (the
    spacing of doubles at 1e16 is 2); the Kahan step keeps the total to within one spacing."""
    y = np.full(N, 1.0 / 64)
    y[:64] = 0.0
    y[0] = 1e16
    total = _load(y).likelihood_sums(np.array([1.0]), log=False, with_gradient=True)
    exact = 1e16 + 31
    assert abs(total[0] - exact) <= 2.0, total[0] - 1e16
    assert abs(total[1] - exact) <= 2.0, total[1] - 1e16


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan])
def test_bad_intensities_are_counted_not_summed(bad):
    y = np.linspace(0.5, 2.0, 300)
    y[[3, 100, 299]] = bad
    got = _load(y).likelihood_sums(np.array([1.0]), log=True, with_gradient=True)
    assert got[-1] == 3
    if not np.isfinite(bad):
        return  # the other sums are then meaningless (0·∞ in the gradient), and the likelihood raises
    good = _load(y[np.isfinite(y) & (y > 0)]).likelihood_sums(np.array([1.0]), log=True, with_gradient=True)
    np.testing.assert_allclose(got[:-1], good[:-1], rtol=1e-14)
