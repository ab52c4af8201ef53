import numpy as np
import pytest

import gpu_laddu as gl
from tests.helpers import ScalarVar


def test_piecewise_values_and_gradient(ctx):
    x = np.array([0.05, 0.2, 0.45, 0.7, 0.99, 1.0, 1.3, np.nextafter(1.0, 0.0)])
    ds = gl.from_numpy(scalars={"x": x}, ctx=ctx)
    params = [gl.parameter(f"v{b}") for b in range(4)]
    amp = gl.PiecewiseScalar("p", ScalarVar("x"), 4, (0.0, 1.0), params)
    values = [1.5, -2.0, 3.0, 0.25]
    ev = gl.Model(amp).load(ds)
    got = ctx.to_numpy(ev.evaluate(values))
    index = np.floor(x / 0.25).astype(int)
    want = np.where((x >= 0.0) & (x < 1.0), np.array(values)[np.clip(index, 0, 3)], 0.0)
    np.testing.assert_array_equal(got, want.astype(complex))
    grad = ctx.to_numpy(ev.evaluate_gradient(values))
    for b in range(4):
        np.testing.assert_array_equal(grad[:, b].real, ((index == b) & (x < 1.0)).astype(float))
    assert len(ev.cache) == 1, "one bin-index column, not one per bin"


def test_piecewise_complex(cpu_ctx):
    x = np.linspace(-0.5, 2.5, 31)
    ds = gl.from_numpy(scalars={"x": x}, ctx=cpu_ctx)
    pairs = [(gl.parameter(f"r{b}"), gl.parameter(f"i{b}")) for b in range(3)]
    amp = gl.PiecewiseComplexScalar("c", ScalarVar("x"), 3, (0.0, 1.5), pairs)
    p = [1.0, 2.0, -1.0, 0.5, 3.0, -3.0]
    got = gl.Model(amp).load(ds).evaluate(p)
    table = np.array([1 + 2j, -1 + 0.5j, 3 - 3j])
    idx = np.floor(x / 0.5).astype(int)
    want = np.where((x >= 0) & (x < 1.5), table[np.clip(idx, 0, 2)], 0)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


@pytest.mark.parametrize("kwargs, match", [
    ({"bins": 0}, "positive integer"),
    ({"range": (1.0, 1.0)}, "low < high"),
    ({"range": (0.0, float("inf"))}, "finite"),
    ({"values": [1.0]}, "one value per bin"),
    ({"variable": "x"}, "must be a variable"),
])
def test_bad_piecewise(kwargs, match):
    args = {"variable": ScalarVar("x"), "bins": 2, "range": (0.0, 1.0), "values": [1.0, 2.0]} | kwargs
    with pytest.raises(gl.ModelError, match=match):
        gl.PiecewiseScalar("p", **args)
    with pytest.raises(gl.ModelError, match="pair"):
        gl.PiecewiseComplexScalar("p", ScalarVar("x"), 2, (0.0, 1.0), [1.0, 2.0])
