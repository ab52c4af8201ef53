"""Normalisation integrals: recognition of the Hermitian form, and equality with the event loop."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.ir import expr as E
from gpu_laddu.passes.normalize import decompose_intensity
from gpu_laddu.passes.standard import build_call_graph, specialize_graph
from tests.codegen.models import DECOMPOSABLE, MODELS, basis, datasets
from tests.helpers import col


def _value(model):
    graph = build_call_graph(model.expression.node, model.parameters, model.fixed)[1]
    return specialize_graph(graph, frozenset(model.amplitudes))[0]


def _close(a, b, tol=1e-12):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b)), (a, b)


def test_products_of_single_terms_fold_to_linear_terms():
    a = gl.parameter("a")
    b = gl.ComplexScalar("B", a, 1.0)
    d = decompose_intensity(_value(gl.Model((gl.Scalar("S", a) * basis(0)).norm_sqr() + (b * basis(1)).imag())))
    assert d is not None and not d.coherent
    assert sorted(c.op for c in d.linear_coefficients) == ["const", "norm_sqr", "param"]  # Re b, Im b, |a|²


def test_kmatrix_shape_is_two_coherent_groups():
    model, _ = MODELS["kmatrix_like"]()
    d = decompose_intensity(_value(model))
    assert d is not None
    assert sorted(len(t.coefficients) for t in d.coherent) == [2, 3]
    assert all(t.scale is None and t.weight is None for t in d.coherent)
    assert len(d.event_nodes) == 5 and all(b.op == "column" for b in d.event_nodes)
    assert len(d.linear_coefficients) == 0


def test_scale_weight_and_real_linear_terms():
    model, _ = MODELS["scaled"]()
    d = decompose_intensity(_value(model))
    assert d is not None and len(d.coherent) == 1
    (term,) = d.coherent
    assert term.scale is not None and term.weight is not None and term.weight.dtype == "real"
    assert len(d.linear_coefficients) >= 2  # Re(c·B) = Re c·Re B − Im c·Im B, plus the constant


def _sum(a, k):
    return a * basis(k) + basis(k + 1)


@pytest.mark.parametrize("expr", [
    lambda a: E.exp(a * col("x")),  # a parameter inside a non-linear function of events
    lambda a: _sum(a, 0).norm_sqr() * _sum(a, 2).norm_sqr(),  # quartic
    lambda a: _sum(a, 0).norm_sqr() * basis(2),  # complex per-event weight
    lambda a: _sum(a, 0) * _sum(a, 2) + a * a,  # product of two sums
])
def test_non_decomposable_intensities_give_none(expr):
    a = gl.parameter("a")
    assert decompose_intensity(_value(gl.Model(expr(a)))) is None


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("cls", [gl.NLL, gl.ExtendedNLL])
def test_integrals_equal_event_loop(ctx, name, cls):
    data, mc = datasets(ctx)
    model, p = MODELS[name]()
    auto = cls(model, data, mc)
    events = cls(model, data, mc, normalization="events")
    assert auto.mc_method == ("integrals" if name in DECOMPOSABLE else "events")
    assert events.mc_method == "events"
    v1, g1 = auto.value_and_gradient(p)
    v0, g0 = events.value_and_gradient(p)
    _close(v1, v0)
    _close(g1, g0)
    assert auto.value(p) == pytest.approx(v1, rel=1e-15)


def test_integrals_follow_activation_and_ignore_the_mc_events(cpu_ctx):
    data, mc = datasets(cpu_ctx)
    model, p = MODELS["kmatrix_like"]()
    auto = gl.NLL(model, data, mc)
    events = gl.NLL(model, data, mc, normalization="events")
    for nll in (auto, events):
        nll.isolate(["f0", "a0"])
    _close(auto.value_and_gradient(p)[1], events.value_and_gradient(p)[1])
    auto.activate_all()
    full = auto.value_and_gradient(p)
    auto.mc_evaluator.cache.clear()  # the integrals of both masks exist: MC events are not read again
    auto.isolate(["f0", "a0"])
    _close(auto.value_and_gradient(p)[1], events.value_and_gradient(p)[1])
    auto.activate_all()
    _close(auto.value_and_gradient(p)[1], full[1])


def test_breit_wigner_becomes_decomposable_when_deactivated(cpu_ctx):
    data, mc = datasets(cpu_ctx)
    model, p = MODELS["breit_wigner"]()
    nll = gl.ExtendedNLL(model, data, mc)
    assert nll.mc_method == "events"
    nll.deactivate("BW")
    assert nll.mc_method == "integrals"
    mc_sum = float(np.sum(mc.weights)) * 0.05
    data_sum = float(np.sum(data.weights)) * np.log(0.05)
    assert nll.value(p) == pytest.approx(2 * (mc_sum - data_sum), rel=1e-13)


def test_bad_normalization_option(cpu_ctx):
    data, mc = datasets(cpu_ctx, 10, 10)
    with pytest.raises(gl.ModelError, match="normalization"):
        gl.NLL(MODELS["coherent"]()[0], data, mc, normalization="fast")
