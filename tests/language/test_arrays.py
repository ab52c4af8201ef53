"""Vectors, matrices and solves: against numpy.linalg per event, on every backend, with
parameter-free matrices (batched inverse) and parameter-dependent ones (Cramer's rule), and
gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import ModelError

N_EVENTS = 64


def _dataset(ctx, n: int = 5):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    scalars = {f"a{i}{j}": rng.normal(size=N_EVENTS) + (3.0 if i == j else 0.0) for i in range(n) for j in range(n)}
    scalars.update({f"b{i}": rng.normal(size=N_EVENTS) for i in range(n)})
    return gl.from_numpy(scalars=scalars, ctx=ctx), scalars


def _host(ctx, arr):  # type: ignore[no-untyped-def]
    return np.asarray(ctx.to_numpy(arr))


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_event_matrix_solve_matches_numpy(ctx, n):  # type: ignore[no-untyped-def]
    ds, cols = _dataset(ctx, n)
    a = gl.matrix([[gl.scalar(f"a{i}{j}") * (1.0 + 0.5j * (i < j)) for j in range(n)] for i in range(n)])
    beta = [gl.complex(gl.parameter(f"r{i}"), gl.parameter(f"i{i}")) for i in range(n)]
    rhs = gl.vector([beta[i] * gl.scalar(f"b{i}") for i in range(n)])
    x = gl.solve(a, rhs)
    params = np.linspace(-1.0, 1.0, 2 * n)
    p = {f"r{i}": params[2 * i] for i in range(n)} | {f"i{i}": params[2 * i + 1] for i in range(n)}
    mats = np.stack([[cols[f"a{i}{j}"] * (1.0 + 0.5j * (i < j)) for j in range(n)]
                     for i in range(n)]).transpose(2, 0, 1)
    b = np.stack([(p[f"r{i}"] + 1j * p[f"i{i}"]) * cols[f"b{i}"] for i in range(n)], axis=1)
    expected = np.linalg.solve(mats, b[..., None])[..., 0]
    for k in range(n):
        model = gl.Model(x[k])
        ev = model.load(ds)
        got = _host(ctx, ev.evaluate([p[name] for name in model.parameters]))
        assert np.max(np.abs(got - expected[:, k])) <= 1e-12 * np.max(np.abs(expected[:, k]))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_parameter_dependent_solve_and_gradient(ctx, n):  # type: ignore[no-untyped-def]
    ds, cols = _dataset(ctx, n)
    m = gl.parameter("m")
    a = gl.matrix([[gl.scalar(f"a{i}{j}") + (m * m if i == j else 0.0) for j in range(n)] for i in range(n)])
    x = gl.solve(a, gl.vector([gl.scalar(f"b{i}") for i in range(n)]))
    model = gl.Model(gl.dot(x, x.conj()).real() + x[0] * m)
    ev = model.load(ds)
    m0 = 0.7
    mats = np.stack([[cols[f"a{i}{j}"] + (m0 * m0 if i == j else 0.0) for j in range(n)]
                     for i in range(n)]).transpose(2, 0, 1)
    xs = np.linalg.solve(mats, np.stack([cols[f"b{i}"] for i in range(n)], axis=1)[..., None])[..., 0]
    expected = np.sum(xs * xs.conj(), axis=1).real + xs[:, 0] * m0
    got = _host(ctx, ev.evaluate([m0]))
    assert np.max(np.abs(got - expected)) <= 1e-11 * np.max(np.abs(expected))
    h = 1e-6
    fd = (_host(ctx, ev.evaluate([m0 + h])) - _host(ctx, ev.evaluate([m0 - h]))) / (2 * h)
    grad = _host(ctx, ev.evaluate_gradient([m0]))[:, 0]
    assert np.max(np.abs(grad - fd)) <= 1e-6 * np.max(np.abs(fd))


def test_matrix_algebra_matches_numpy():
    a = np.array([[1.0, 2.0, -1.0], [0.5, 3.0, 2.0], [1.5, -2.0, 4.0]])
    b = np.array([[0.2, 1.0, 0.0], [1.0, -1.0, 2.0], [0.3, 0.1, 0.7]])
    v = np.array([1.0, -2.0, 0.5])
    ga, gb, gv = gl.matrix(a.tolist()), gl.matrix(b.tolist()), gl.vector(v.tolist())
    checks = [((ga @ gb).at(2, 1), (a @ b)[2, 1]), (gl.matmul(ga, gb).at(0, 2), (a @ b)[0, 2]),
              (gl.matvec(ga, gv)[1], (a @ v)[1]), ((ga @ gv)[2], (a @ v)[2]), (gl.dot(gv, gv), v @ v),
              (gl.solve(ga, gb).at(1, 2), np.linalg.solve(a, b)[1, 2]), ((ga * 2.0 - gb).at(1, 0), (2 * a - b)[1, 0]),
              ((gv / 2.0 + 1.0)[0], v[0] / 2 + 1), (ga.transpose().at(0, 1), a[1, 0]),
              (gl.solve(ga, gv)[0], np.linalg.solve(a, v)[0])]
    for expr, expected in checks:
        assert abs(gl.Model(expr).evaluate() - expected) <= 1e-13 * max(1.0, abs(expected))


def test_arrays_match_laddu(laddu):  # type: ignore[no-untyped-def]
    rows = [[1.0, 2.0, 0.5], [3.0, 4.0, -1.0], [0.0, 1.5, 2.0]]
    for build in (lambda ld: ld.solve(ld.matrix(rows), ld.vector([1.0, 2.0, 3.0]))[2],
                  lambda ld: (ld.matrix(rows) @ ld.matrix(rows)).at(1, 2),
                  lambda ld: ld.dot(ld.vector([1.0, 2j]), ld.vector([3.0, 4.0])),
                  lambda ld: (ld.matrix(rows) * 2.0).at(2, 1)):
        assert abs(laddu.Model(build(laddu)).evaluate() - gl.Model(build(gl)).evaluate()) <= 1e-13


@pytest.mark.parametrize(("call", "match"), [
    (lambda: gl.matrix([[1.0, 2.0], [3.0]]), "one non-zero length"),
    (lambda: gl.matrix([]), "at least one row"),
    (lambda: gl.vector([]), "at least one element"),
    (lambda: gl.dot(gl.vector([1.0]), gl.vector([1.0, 2.0])), "lengths 1 and 2"),
    (lambda: gl.matvec(gl.matrix([[1.0, 2.0]]), gl.vector([1.0])), "1×2 matrix times a vector of length 1"),
    (lambda: gl.matmul(gl.matrix([[1.0, 2.0]]), gl.matrix([[1.0, 2.0]])), "1×2 matrix times a 1×2"),
    (lambda: gl.solve(gl.matrix([[1.0, 2.0]]), gl.vector([1.0])), "square"),
    (lambda: gl.solve(gl.matrix([[1.0]]), gl.vector([1.0, 2.0])), "right-hand side"),
    (lambda: gl.vector([1.0, 2.0]).at(0, 0), "matrix element"),
    (lambda: gl.matrix([[1.0]])[0], "vector component"),
    (lambda: gl.vector([1.0, 2.0])[2], "out of range"),
    (lambda: gl.vector([1.0, 2.0]) + gl.vector([1.0]), "shapes"),
    (lambda: gl.vector(["a"]), "cannot use"),
    (lambda: gl.Model(gl.vector([1.0, 2.0])), "scalar expression"),
    (lambda: gl.vector([gl.vector([1.0])]), "expected a scalar"),
])
def test_dimension_errors_at_build(call, match):  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match=match):
        call()


def test_large_precompute_graphs_use_a_generated_kernel_on_numba():
    from cpu_fallback.frontier_kernel import MIN_NODES, FrontierKernel, _op_count, frontier_program
    from gpu_laddu.passes.standard import build_call_graph

    numba_ctx = gl.ExecutionContext(device="cpu", backend="numba")
    numpy_ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    a = gl.matrix([[gl.scalar(f"a{i}{j}") + (2.0 if i == j else 0.0) for j in range(4)] for i in range(4)])
    x = gl.solve(a, gl.vector([gl.complex(gl.parameter(f"r{i}"), gl.scalar(f"b{i}")) for i in range(4)]))
    v = gl.Vec3(gl.scalar("a00"), gl.scalar("a01"), gl.scalar("a02"))
    w = gl.Vec3(gl.scalar("a10"), 1.0, gl.scalar("a11"))
    costheta, phi = gl.scalar("a00").cos(), v.cross(w).unit().phi()
    extra = v.mag().log() * gl.parameter("r0")
    for l in range(1, 7):
        extra = extra + gl.spherical_harmonic(l, l // 2, costheta=costheta, phi=phi) * gl.parameter(f"r{l % 4}")
    model = gl.Model((gl.dot(x, x.conj()) + extra).real())
    frontier, _ = build_call_graph(model.expression.node, model.parameters, model.fixed, True)
    assert _op_count(frontier) >= MIN_NODES
    assert isinstance(frontier_program(frontier, numba_ctx, (np.float64, np.complex128)), FrontierKernel)
    ds_numba, _ = _dataset(numba_ctx, 4)
    ds_numpy, _ = _dataset(numpy_ctx, 4)
    p = np.linspace(0.2, 0.8, 4)
    got = np.asarray(model.load(ds_numba).evaluate(p))
    expected = np.asarray(model.load(ds_numpy).evaluate(p))
    assert np.max(np.abs(got - expected)) <= 1e-12 * np.max(np.abs(expected))
