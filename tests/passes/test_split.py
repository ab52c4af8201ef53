"""The precompute/evaluate split: the PER_EVENT frontier becomes cache columns."""

import numpy as np

import gpu_laddu as gl
from gpu_laddu.ir.nodes import EvalClass, const, make, param, topo_order
from gpu_laddu.passes.split import CachedColumn, frontier_nodes, split_per_event
from tests.helpers import col


def test_frontier_nodes_become_cached_columns():
    x, y = col("x").node, col("y").node
    a = param("a")
    event = make("exp", (make("mul", (x, y)),))
    frontier, (out,) = split_per_event([make("add", (make("mul", (a, event)), make("sin", (a,))))])
    assert frontier == [event]
    per_call = topo_order([out])
    assert not any(n.eval_class == EvalClass.PER_EVENT and n.op != "column" for n in per_call)
    (cached,) = [n for n in per_call if n.op == "column"]
    assert cached.attrs[0] == CachedColumn(event.fingerprint, "real")


def test_views_are_not_cached_twice():
    x = col("x").node
    a = param("a")
    # the value reads x, a derivative reads to_complex(x): one real column serves both
    outputs = [make("mul", (make("to_complex", (x,)), make("complex", (a, a)))), make("mul", (x, a))]
    frontier = frontier_nodes(outputs)
    assert frontier == [x]
    _, rewritten = split_per_event(outputs)
    assert rewritten[0].inputs[0].op == "to_complex"


def test_constant_multiples_are_views():
    x = col("x").node
    e = make("exp", (x,))
    a = param("a")
    outputs = [make("mul", (a, e)), make("mul", (a, make("mul", (const(2j), make("div", (e, const(3.0))))))),
               make("mul", (e, const(0.5)))]
    frontier, rewritten = split_per_event(outputs)
    assert frontier == [e]  # one column for e, 2i·e/3 and the per-event output e/2
    assert rewritten[2].op == "mul" and rewritten[2].inputs[0].op == "column"


def test_per_event_outputs_and_leaves():
    x = col("x").node
    frontier, (out,) = split_per_event([make("exp", (x,))])
    assert len(frontier) == 1 and out.op == "column"
    frontier, (out,) = split_per_event([x])
    assert frontier == [x] and out is x  # a source column is its own cache column


def test_evaluator_keeps_only_the_frontier(cpu_ctx):
    x = np.linspace(0.5, 1.5, 7)
    ds = gl.from_numpy(scalars={"x": x, "y": 2 * x, "unused": x}, ctx=cpu_ctx)
    a = gl.parameter("a")
    ev = gl.Model((gl.Scalar("S", a) * gl.constant(3.0) * col("x") * col("y")).norm_sqr()).load(ds)
    (values,) = ev.cache.values()  # |x·y|² precomputed: one real column for value and derivative
    np.testing.assert_allclose(values, (x * 2 * x) ** 2, rtol=1e-14)  # (the constant 3 is applied per call)
    np.testing.assert_allclose(ev.evaluate_gradient([0.5])[:, 0], 2 * 0.5 * 9 * (x * 2 * x) ** 2, rtol=1e-14)
