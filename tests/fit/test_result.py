import json
import math

import numpy as np

from gpu_laddu.fit import FitResult


def _result(**kw):
    base = dict(parameters=("alpha", "b"), x=np.array([1.5, -2.0]), std=np.array([0.1, np.nan]),
                covariance=np.array([[0.01, np.nan], [np.nan, np.nan]]), fval=12.25, converged=False,
                n_calls=42, message="Migrad: INVALID minimum", method="migrad")
    base.update(kw)
    return FitResult(**base)


def test_round_trip_through_json_keeps_nan():
    r = _result()
    text = r.to_json()
    d = json.loads(text)  # plain JSON: NaN written as null
    assert d["errors"]["b"] is None and d["covariance"][0][1] is None
    back = FitResult.from_json(text)
    assert back.parameters == r.parameters and back.method == "migrad" and back.n_calls == 42
    np.testing.assert_array_equal(back.x, r.x)
    np.testing.assert_array_equal(back.std, r.std)  # NaN positions equal too
    np.testing.assert_array_equal(back.covariance, r.covariance)
    assert back.fval == r.fval and back.converged is False and back.message == r.message
    assert FitResult.from_dict(r.to_dict()).values == r.values


def test_named_views_and_correlation():
    r = _result(std=np.array([0.1, 0.2]), covariance=np.array([[0.01, -0.01], [-0.01, 0.04]]), converged=True)
    assert r.values == {"alpha": 1.5, "b": -2.0}
    assert r.errors == {"alpha": 0.1, "b": 0.2}
    np.testing.assert_allclose(r.correlation, [[1.0, -0.5], [-0.5, 1.0]])


def test_str_table():
    text = str(_result())
    assert "NOT converged" in text and "migrad" in text and "42 calls" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[3:]}
    assert float(rows["alpha"][0]) == 1.5 and float(rows["alpha"][1]) == 0.1
    assert math.isnan(float(rows["b"][1]))
