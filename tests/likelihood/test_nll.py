import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import ContextError, LikelihoodError, ModelError, ParameterError
from tests.helpers import col

RNG = np.random.default_rng(7)
N_DATA, N_MC = 400, 900


def _datasets(ctx, weights=True):
    xd, yd = RNG.uniform(0.1, 2.0, N_DATA), RNG.uniform(-1, 1, N_DATA)
    xm, ym = RNG.uniform(0.1, 2.0, N_MC), RNG.uniform(-1, 1, N_MC)
    wd = RNG.normal(1.0, 0.3, N_DATA) if weights else None  # negative weights are allowed
    wm = RNG.uniform(0.5, 1.5, N_MC) if weights else None
    data = gl.from_numpy(scalars={"x": xd, "y": yd}, weights=wd, ctx=ctx)
    mc = gl.from_numpy(scalars={"x": xm, "y": ym}, weights=wm, ctx=ctx)
    return data, mc, (xd, yd, wd if weights else np.ones(N_DATA)), (xm, ym, wm if weights else np.ones(N_MC))


def _model():
    a, b, c = gl.parameter("a"), gl.parameter("b"), gl.parameter("c")
    s = gl.Scalar("S", a) * col("x")
    d = gl.ComplexScalar("D", b, c) * (col("y") + 0.5j)
    return gl.Model((s + d).norm_sqr() + 0.1), s, d


def _intensity(p, x, y, active=("S", "D")):
    a, b, c = p
    s = a * x if "S" in active else 0
    d = (b + 1j * c) * (y + 0.5j) if "D" in active else 0
    return np.abs(s + d) ** 2 + 0.1


P = [0.8, -0.4, 1.3]


def test_nll_matches_direct_formula(cpu_ctx):
    data, mc, (xd, yd, wd), (xm, ym, wm) = _datasets(cpu_ctx)
    model, _, _ = _model()
    nll = gl.NLL(model, data, mc)
    want = 2 * (wd.sum() * np.log(np.sum(wm * _intensity(P, xm, ym))) - np.sum(wd * np.log(_intensity(P, xd, yd))))
    assert nll.value(P) == pytest.approx(want, rel=1e-12)
    ext = gl.ExtendedNLL(model, data, mc)
    want_ext = 2 * (np.sum(wm * _intensity(P, xm, ym)) - np.sum(wd * np.log(_intensity(P, xd, yd))))
    assert ext.value(P) == pytest.approx(want_ext, rel=1e-12)


@pytest.mark.parametrize("cls", [gl.NLL, gl.ExtendedNLL])
def test_gradient_matches_finite_differences(cpu_ctx, cls):
    data, mc, *_ = _datasets(cpu_ctx)
    model, _, _ = _model()
    nll = cls(model, data, mc)
    value, grad = nll.value_and_gradient(P)
    assert value == pytest.approx(nll.value(P), rel=1e-14)
    for k in range(3):
        h = 1e-5
        up, dn = list(P), list(P)
        up[k] += h
        dn[k] -= h
        fd = (nll.value(up) - nll.value(dn)) / (2 * h)
        assert grad[k] == pytest.approx(fd, rel=1e-6, abs=1e-6)


def test_activation_forwarded(cpu_ctx):
    data, mc, (xd, yd, wd), (xm, ym, wm) = _datasets(cpu_ctx)
    model, _, _ = _model()
    nll = gl.NLL(model, data, mc)
    nll.isolate("S")
    want = 2 * (wd.sum() * np.log(np.sum(wm * _intensity(P, xm, ym, ("S",))))
                - np.sum(wd * np.log(_intensity(P, xd, yd, ("S",)))))
    assert nll.value(P) == pytest.approx(want, rel=1e-12)
    nll.activate_all()
    nll.deactivate(["S"])
    assert nll.data_evaluator.active == frozenset({"D"})
    nll.activate("S")
    assert nll.mc_evaluator.active == frozenset({"S", "D"})
    with pytest.raises(ModelError, match="unknown amplitude"):
        nll.isolate("Q")


def test_parameter_mapping_and_bad_vectors(cpu_ctx):
    data, mc, *_ = _datasets(cpu_ctx)
    nll = gl.NLL(_model()[0], data, mc)
    assert nll.value({"c": P[2], "a": P[0], "b": P[1]}) == pytest.approx(nll.value(P), rel=1e-15)
    with pytest.raises(ParameterError, match="expected 3"):
        nll.value([1.0, 2.0])
    with pytest.raises(ParameterError, match="unknown parameter"):
        nll.value({"a": 1, "b": 1, "c": 1, "zz": 1})
    # laddu 0.28.1's partial mappings: an omitted name takes its default (initial value, else 0)
    c_default = nll.default_parameters()["c"]
    assert nll.value({"a": 1, "b": 1}) == nll.value([1.0, 1.0, c_default])
    with pytest.raises(ParameterError, match="finite"):
        nll.value([1.0, float("nan"), 0.0])
    with pytest.raises(ParameterError, match="finite"):
        nll.value([1.0, float("inf"), 0.0])


def test_non_positive_intensity_is_reported(cpu_ctx):
    data, mc, *_ = _datasets(cpu_ctx)
    a = gl.parameter("a")
    model = gl.Model(gl.Scalar("S", a).real() * col("y"))  # negative where y < 0
    nll = gl.NLL(model, data, mc)
    with pytest.raises(LikelihoodError, match=r"<= 0 or non-finite at \d+ data event"):
        nll.value([1.0])


def test_data_and_mc_on_different_contexts():
    c1 = gl.ExecutionContext(device="cpu", backend="numpy")
    c2 = gl.ExecutionContext(device="cpu", backend="numpy")
    data, _, *_ = _datasets(c1)
    _, mc, *_ = _datasets(c2)
    with pytest.raises(ContextError, match="different ExecutionContext"):
        gl.NLL(_model()[0], data, mc)


def test_missing_column_reported_at_load(cpu_ctx):
    ds = gl.from_numpy(scalars={"x": np.ones(3)}, ctx=cpu_ctx)
    with pytest.raises(ModelError, match="scalar column 'y'"):
        _model()[0].load(ds)


def test_fixed_parameters_are_folded(cpu_ctx):
    data, mc, (xd, yd, wd), (xm, ym, wm) = _datasets(cpu_ctx)
    model = _model()[0].fix("b", P[1])
    assert model.parameters == ("a", "c")
    nll = gl.NLL(model, data, mc)
    full = gl.NLL(_model()[0], data, mc)
    assert nll.value([P[0], P[2]]) == pytest.approx(full.value(P), rel=1e-14)
    g = nll.gradient([P[0], P[2]])
    assert g == pytest.approx(full.gradient(P)[[0, 2]], rel=1e-12)
    with pytest.raises(ParameterError, match="unknown parameter"):
        model.fix("nope", 1.0)
