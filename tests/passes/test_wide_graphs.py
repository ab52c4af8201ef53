"""Deep and wide expressions compile and evaluate without recursion (issue 14, defect 6).

Every IR walk (passes, normalisation analysis, derivatives, the interpreter, the code
generators, pickling) is iterative: a sum of hundreds of amplitudes and a chain of hundreds
of operations load and evaluate under a recursion limit far below their depth, and agree with
a direct NumPy evaluation.  On the numba backend, graphs above ``MAX_NUMBA_NODES`` are summed by
the interpreter (a kernel that large would take minutes to compile).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.ir.expr import sqrt
from gpu_laddu.likelihood.engines import MAX_NUMBA_NODES, SizeRoutedEngine
from tests.helpers import col

RNG = np.random.default_rng(6)
X = RNG.uniform(0.2, 2.0, 40)


@pytest.fixture
def shallow_stack():
    """A recursion limit ~150 frames above the test's own depth: far below the graphs' depth."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 150)
    yield
    sys.setrecursionlimit(old)


def _wide(n):
    """|Σ_k (a + i·b)·x·(1 + k/n)|² + 0.1 as a Python sum() of n named amplitudes."""
    a, b = gl.parameter("a"), gl.parameter("b")
    terms = [gl.ComplexScalar(f"A{k}", a, b) * col("x") * (1.0 + k / n) for k in range(n)]
    return gl.Model(sum(terms).norm_sqr() + 0.1), lambda p: (p[0] ** 2 + p[1] ** 2) * (X * (n + (n - 1) / 2)) ** 2 + 0.1


def _deep(n):
    """n chained operations: alternately e → e·b + 0.1 and e → √(e² + 1)."""
    a, b = gl.parameter("a"), gl.parameter("b")
    e = a * col("x")
    for k in range(n):
        e = e * b + 0.1 if k % 2 else sqrt(e * e + 1.0)

    def direct(p):
        v = p[0] * X
        for k in range(n):
            v = v * p[1] + 0.1 if k % 2 else np.sqrt(v * v + 1.0)
        return v**2 + 0.5

    return gl.Model(gl.Scalar("S", e).norm_sqr() + 0.5), direct


@pytest.mark.parametrize(("shape", "normalization"), [((_wide, 600), "auto"), ((_deep, 500), "events")],
                         ids=["sum-of-600-amplitudes", "500-chained-ops"])
def test_wide_and_deep_graphs_load_and_evaluate(ctx, shallow_stack, shape, normalization):
    build, n = shape
    model, direct = build(n)
    data = gl.from_numpy(scalars={"x": X}, ctx=ctx)
    p = [0.7, 0.9]
    nll = gl.NLL(model, data, data, normalization=normalization)
    got = ctx.to_numpy(nll.data_evaluator.evaluate(p)).real
    np.testing.assert_allclose(got, direct(p), rtol=1e-12)
    value, grad = nll.value_and_gradient(p)
    assert value == pytest.approx(2 * (len(X) * np.log(direct(p).sum()) - np.log(direct(p)).sum()), rel=1e-10)
    h = 1e-6
    for k in range(2):
        up, dn = list(p), list(p)
        up[k] += h
        dn[k] -= h
        assert grad[k] == pytest.approx((nll.value(up) - nll.value(dn)) / (2 * h), rel=1e-5, abs=1e-6)


def test_numba_routes_huge_graphs_to_the_interpreter(cpu_ctx):
    model, _ = _wide(MAX_NUMBA_NODES)  # more nodes than amplitudes
    ev = model.load(gl.from_numpy(scalars={"x": X}, ctx=cpu_ctx))
    graph = ev.specialized_graph()
    engine = SizeRoutedEngine(gl.ExecutionContext(device="cpu", backend="numba"), ev.cache, ev.weights, ev.parameters)
    engine.sums(graph, np.array([0.7, 0.9]), True, True)
    assert engine._large[graph[0]] is True


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("GPU_LADDU_SLOW_TESTS"),
                    reason="10,000 amplitudes take minutes on two cores: set GPU_LADDU_SLOW_TESTS=1 to run")
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_ten_thousand_amplitudes(backend):
    """Issue 14's bar: 10,000 amplitudes build, load and evaluate (measured on two busy cores, numpy:
    build 15 s, load 27 s, evaluate 9 s; an NLL value and gradient 48 s on the first call)."""
    if backend == "numba":
        pytest.importorskip("numba", reason="numba is not installed")
    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    model, direct = _wide(10_000)
    data = gl.from_numpy(scalars={"x": X[:8]}, ctx=ctx)
    got = ctx.to_numpy(model.load(data).evaluate([0.7, 0.9])).real
    np.testing.assert_allclose(got, direct([0.7, 0.9])[:8], rtol=1e-10)


def test_normalisation_analysis_of_500_chained_operations(shallow_stack):
    """e → e·b + 0.1, 500 times: a linear form of 501 terms, found without recursion."""
    from gpu_laddu.ir.nodes import make, param
    from gpu_laddu.passes.normalize import _Analysis

    b = param("b")
    e = make("mul", (param("a"), col("x").node))
    for _ in range(500):
        e = make("add", (make("mul", (e, b)), gl.constant(0.1).node))
    form = _Analysis(e).linear(e)
    assert form is not None and len(form) == 501
    assert sum(1 for _, basis in form if basis is None) == 500  # the constants; one term keeps x
