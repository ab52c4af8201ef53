"""Property-based checks of the IR backends on random expression trees (issue 14).

Random trees over three parameters, constants and two per-event columns, with every IR op the
expression language exposes (domain-safe: logarithms and square roots of 1 + |·|², quotients
by 1 + |·|², exponentials of sines), become the intensity |tree|² + 1/2 of a likelihood.  For
each tree:

* the NumPy interpreter's gradient agrees with central finite differences of its value;
* the Numba backend agrees with the NumPy interpreter (value and gradient, event loop and
  normalisation integrals);
* the generated CUDA C compiles with NVRTC (skipped with a reason where NVRTC is missing).

Example counts are bounded (the Numba checks compile one kernel per example) and the examples
are derandomised, so that the suite takes well under a minute and a rerun reuses the kernel cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gpu_laddu as gl
from gpu_laddu.ir import expr as E
from tests.helpers import col

N_EVENTS = 24
PARAMS = ("p0", "p1", "p2")
COMMON = {"deadline": None, "derandomize": True, "suppress_health_check": [HealthCheck.too_slow]}


def _safe(e: E.Expression) -> E.Expression:
    """1 + |e|² (real, >= 1): the argument of logarithms, square roots and denominators."""
    return 1.0 + e.norm_sqr()


UNARY = {
    "neg": lambda e: -e,
    "conj": lambda e: e.conj(),
    "real": lambda e: e.real(),
    "imag": lambda e: e.imag(),
    "norm_sqr": lambda e: e.norm_sqr() * 0.5,
    "abs": lambda e: (e.real() - 0.37).apply("abs"),
    "sqrt": lambda e: E.sqrt(_safe(e)),
    "log": lambda e: E.log(_safe(e)),
    "exp": lambda e: E.exp(E.sin(e.real())),
    "sin": lambda e: E.sin(e.real()),
    "cos": lambda e: E.cos(e.imag() if e.node.dtype == "complex" else e),
    "cis": lambda e: E.cis(e.real()),
    "csqrt": lambda e: E.sqrt(E.to_complex(e) + 2.0),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / _safe(b),
    "cdiv": lambda a, b: a / (E.to_complex(_safe(b)) + 0.5j),
    "complex": lambda a, b: E.complex_(a.real(), b.real()),
}


@st.composite
def trees(draw: Any, depth: int = 3) -> E.Expression:
    """A random expression tree of at most ``depth`` levels of ops."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        kind = draw(st.sampled_from(["param", "param", "column", "column", "const", "cconst"]))
        if kind == "param":
            return gl.parameter(draw(st.sampled_from(PARAMS)))
        if kind == "column":
            return col(draw(st.sampled_from(["x", "y"])))
        value = draw(st.floats(-2.0, 2.0, allow_nan=False).filter(lambda v: abs(v) > 1e-3))
        return gl.constant(complex(value, 0.5) if kind == "cconst" else value)
    if draw(st.booleans()):
        return UNARY[draw(st.sampled_from(sorted(UNARY)))](draw(trees(depth - 1)))
    return BINARY[draw(st.sampled_from(sorted(BINARY)))](draw(trees(depth - 1)), draw(trees(depth - 1)))


@st.composite
def models(draw: Any) -> tuple[gl.Model, np.ndarray]:
    """A positive intensity |tree|² + 1/2 with at least one free parameter, and a parameter point."""
    tree = draw(trees())
    tree = tree + gl.parameter(draw(st.sampled_from(PARAMS))) * col("x")  # at least one parameter
    model = gl.Model(E.amplitude("T", E.to_complex(tree)).norm_sqr() + 0.5)
    p = np.array([draw(st.floats(-1.5, 1.5, allow_nan=False)) for _ in model.parameters])
    return model, p


_DATA: dict[str, Any] = {}


def _datasets(backend: str) -> tuple[Any, Any]:
    if backend not in _DATA:
        rng = np.random.default_rng(11)
        ctx = gl.ExecutionContext(device="cpu", backend=backend)
        cols = [{"x": rng.uniform(-1.5, 1.5, n), "y": rng.uniform(0.1, 2.0, n)} for n in (N_EVENTS, 2 * N_EVENTS)]
        _DATA[backend] = tuple(gl.from_numpy(scalars=c, ctx=ctx) for c in cols)
    return _DATA[backend]


def _close(a: Any, b: Any, tol: float) -> None:
    """‖a − b‖∞ <= tol·max(‖b‖∞, 1)."""
    a, b = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
    assert np.max(np.abs(a - b)) <= tol * max(np.max(np.abs(b)), 1.0), (a, b)


@settings(max_examples=25, **COMMON)
@given(models())
def test_gradient_matches_finite_differences(case: tuple[gl.Model, np.ndarray]) -> None:
    model, p = case
    data, mc = _datasets("numpy")
    nll = gl.NLL(model, data, mc, normalization="events")
    _, grad = nll.value_and_gradient(p)
    fd = np.empty_like(p)
    for k in range(len(p)):
        h = 1e-6 * max(abs(p[k]), 1.0)
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        fd[k] = (nll.value(up) - nll.value(dn)) / (up[k] - dn[k])
    _close(grad, fd, 1e-5)


@settings(max_examples=4, **COMMON)
@given(models())
def test_numba_agrees_with_the_interpreter(case: tuple[gl.Model, np.ndarray]) -> None:
    pytest.importorskip("numba", reason="numba is not installed")
    model, p = case
    for normalization in ("events", "auto"):
        want = gl.NLL(model, *_datasets("numpy"), normalization=normalization).value_and_gradient(p)
        got = gl.NLL(model, *_datasets("numba"), normalization=normalization).value_and_gradient(p)
        _close(got[0], want[0], 1e-10)
        _close(got[1], want[1], 1e-8)


@pytest.fixture(scope="module")
def nvrtc_compile() -> Any:
    backend = pytest.importorskip("gpu_laddu.backends.cupy_backend", reason="cupy is not installed")
    try:
        from cupy.cuda import nvrtc

        nvrtc.getVersion()
    except Exception as exc:  # noqa: BLE001 - any loader failure means: no NVRTC here
        pytest.skip(f"NVRTC is not available ({type(exc).__name__}); pip install 'nvidia-cuda-nvrtc==13.0.*'")
    return backend.nvrtc_compile


@settings(max_examples=12, **COMMON)
@given(case=models(), precision=st.sampled_from(["f64", "f32"]))
def test_generated_cuda_compiles_with_nvrtc(nvrtc_compile: Any, case: tuple[gl.Model, np.ndarray],
                                            precision: str) -> None:
    from gpu_laddu.codegen import kernel_plan, kernel_source

    model, _ = case
    ptx = nvrtc_compile(kernel_source(model, "cuda", precision=precision))
    assert f".entry {kernel_plan(model).name}(" in ptx
