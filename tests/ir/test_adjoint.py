"""Reverse-mode adjoints + the per-call chain rule equal forward-mode derivatives, op by op.

Both sides run on the NumPy interpreter (no fused kernel involved): the forward-mode graph
``[I, ∂I/∂p...]`` gives Σ w·∂I/∂p; the adjoint outputs give Σ w·ḡ_u per boundary node, which
:func:`chain_rule` maps to the parameters."""

import numpy as np
import pytest

import gpu_laddu as gl
from cpu_fallback.interpreter import Program
from gpu_laddu.codegen.chain import chain_rule
from gpu_laddu.codegen.plan import make_plan
from gpu_laddu.codegen.python import scalar_source
from gpu_laddu.errors import IRError
from gpu_laddu.ir import expr as E
from gpu_laddu.ir.adjoint import reverse_adjoint
from gpu_laddu.ir.nodes import make, param
from tests.codegen.models import MODELS, basis, datasets
from tests.helpers import col


def _extra() -> dict:
    a, b = gl.parameter("a"), gl.parameter("b")
    x, y = col("x"), col("y")
    z = E.complex_(a * x, b - y)
    return {
        "complex_over_complex": (gl.Model((basis(0) / (z + 2.5)).norm_sqr() + 0.1), [0.7, 0.2]),
        "real_over_complex": (gl.Model((x / (z + 3.0)).real() * (x / (z + 3.0)).real() + 0.5), [0.4, -1.1]),
        "imag_of_real_and_neg": (gl.Model((-(a * x)).imag() + (b - a * y) * (b - a * y) + 1.0), [0.3, 0.9]),
        "uniform_math": (gl.Model(((E.sqrt(a * a + 1.0) * E.exp(b)) * basis(0)).norm_sqr()), [0.6, -0.2]),
        "parameter_only": (gl.Model(a * a + E.cos(b)), [0.5, 0.4]),
        "complex_valued": (gl.Model(gl.ComplexScalar("C", a, b) * basis(1) + a * a), [0.6, -0.9]),
    }


CASES = {**{k: f for k, f in MODELS.items()}, **{k: (lambda v=v: v) for k, v in _extra().items()}}


@pytest.mark.parametrize("name", sorted(CASES))
def test_adjoint_and_chain_rule_equal_forward_mode(name):
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, _ = datasets(ctx, 400, 10)
    model, p = CASES[name]()
    ev = model.load(data)
    graph = ev.specialized_graph()
    params = dict(zip(ev.parameters, p))
    forward = Program(graph, ctx).run(ev.cache, params, ev.n_events)
    w = np.asarray(ev.weights)
    want = np.array([np.sum(w * np.broadcast_to(np.real(d), w.shape)) for d in forward[1:]])

    plan = make_plan(graph[0], ev.parameters)
    outputs = Program(list(plan.outputs[1:]), ctx).run(ev.cache, params, ev.n_events)
    sums = np.array([np.sum(w * np.broadcast_to(np.real(o), w.shape)) for o in outputs])
    got = chain_rule(plan)(np.array(p), sums)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))


def test_couplings_are_looked_through_to_their_parameters():
    """complex(p, q) and complex(p, 0) couplings: one real adjoint sum per free parameter."""
    x, y, z = param("x"), param("y"), param("z")
    b0, b1 = (basis(k).node for k in (0, 1))
    s = make("add", (make("mul", (make("complex", (x, y)), b0)), make("mul", (make("to_complex", (z,)), b1))))
    adj = reverse_adjoint(make("norm_sqr", (s,)))
    assert sorted(u.attrs[0] for u in adj.boundary) == ["x", "y", "z"]
    assert sorted(adj.slots) == [(1, None), (2, None), (3, None)]


def test_host_function_names_come_from_numbers():
    model, p = MODELS["kmatrix_like"]()
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ev = model.load(datasets(ctx, 50, 10)[0])
    plan = make_plan(ev.specialized_graph()[0], ev.parameters)
    src = scalar_source(plan.boundary, ev.parameters)
    assert not any(name in src for name in ev.parameters if len(name) > 2)
    assert src.startswith("def values(p):")


def test_chain_gives_ieee_values_where_a_uniform_derivative_fails():
    a = param("a")
    plan = make_plan(make("mul", (make("sqrt", (a,)), col("x").node)), ("a",))
    assert np.isposinf(chain_rule(plan)(np.array([0.0]), np.array([1.0]))).all()  # d√a/da = 1/(2√a) at 0
    assert np.isnan(chain_rule(plan)(np.array([-1.0]), np.array([1.0]))).all()  # √ of a negative number


def test_a_complex_value_stands_for_its_real_part():
    a, b = param("a"), param("b")
    adj = reverse_adjoint(make("mul", (make("complex", (a, b)), make("to_complex", (col("x").node,)))))
    assert adj.outputs[0].op == "real"


def test_bad_values_are_refused():
    with pytest.raises(IRError, match="specialise activation"):
        reverse_adjoint(make("norm_sqr", (make("amp", (basis(0).node,), ("A",)),)))
