"""Property tests: the interpreted IR (value and analytic gradient) equals direct NumPy
evaluation of the same formula, and gradients equal central finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gpu_laddu as gl
from gpu_laddu.errors import ModelError, ParameterError
from gpu_laddu.ir import expr as E
from tests.helpers import col

X = np.array([0.3, 0.7, 1.1, 1.9, 2.5])
Y = np.array([1.2, 0.4, 0.9, 1.6, 0.8])


def leaf(draw_choice):
    """(expression, numpy function of (a, b)) pairs."""
    return {
        "a": (gl.parameter("a"), lambda a, b: a),
        "b": (gl.parameter("b"), lambda a, b: b),
        "x": (col("x"), lambda a, b: X),
        "y": (col("y"), lambda a, b: Y),
        "c": (E.constant(0.5 - 0.25j), lambda a, b: 0.5 - 0.25j),
        "k": (E.constant(1.5), lambda a, b: 1.5),
    }[draw_choice]


@st.composite
def expressions(draw, depth=0):
    if depth >= 3 or draw(st.booleans()) and depth > 0:
        return leaf(draw(st.sampled_from("abxyck")))
    kind = draw(st.sampled_from(["add", "sub", "mul", "div", "neg", "conj", "real", "imag", "norm_sqr",
                                 "exp", "cis", "sqrt"]))
    e1, f1 = draw(expressions(depth + 1))
    if kind in ("add", "sub", "mul", "div"):
        e2, f2 = draw(expressions(depth + 1))
        if kind == "add":
            return e1 + e2, lambda a, b: f1(a, b) + f2(a, b)
        if kind == "sub":
            return e1 - e2, lambda a, b: f1(a, b) - f2(a, b)
        if kind == "mul":
            return e1 * e2, lambda a, b: f1(a, b) * f2(a, b)
        # keep denominators away from zero
        d = e2.norm_sqr() + 1.0
        return e1 / d, lambda a, b: f1(a, b) / (np.abs(f2(a, b)) ** 2 + 1.0)
    if kind == "neg":
        return -e1, lambda a, b: -f1(a, b)
    if kind == "conj":
        return e1.conj(), lambda a, b: np.conj(f1(a, b))
    if kind == "real":
        return e1.real(), lambda a, b: np.real(f1(a, b))
    if kind == "imag":
        return e1.imag(), lambda a, b: np.imag(f1(a, b))
    if kind == "norm_sqr":
        return e1.norm_sqr(), lambda a, b: np.abs(f1(a, b)) ** 2
    if kind == "exp":
        s = e1.real() * 0.1
        return E.exp(s), lambda a, b: np.exp(np.real(f1(a, b)) * 0.1)
    if kind == "cis":
        s = e1.real()
        return E.cis(s), lambda a, b: np.exp(1j * np.real(f1(a, b)))
    s = e1.norm_sqr() + 0.5
    return E.sqrt(s), lambda a, b: np.sqrt(np.abs(f1(a, b)) ** 2 + 0.5)


@pytest.fixture(scope="module")
def data():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    return gl.from_numpy(scalars={"x": X, "y": Y}, ctx=ctx)


@settings(max_examples=60, deadline=None)
@given(expressions(), st.floats(-2, 2), st.floats(-2, 2))
def test_interpreter_matches_numpy_and_finite_differences(data, ef, a, b):
    e, f = ef
    e = e + gl.parameter("a") * 0.0 + gl.parameter("b") * 0.0  # both parameters always present
    model = gl.Model(e)
    ev = model.load(data)
    order = model.parameters
    p = {"a": a, "b": b}
    vec = [p[n] for n in order]
    got = ev.evaluate(vec)
    want = np.broadcast_to(np.asarray(f(a, b), dtype=complex), X.shape)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    grad = ev.evaluate_gradient(vec)
    for k, name in enumerate(order):
        h = 1e-6
        up, dn = dict(p), dict(p)
        up[name] += h
        dn[name] -= h
        fd = (np.asarray(f(up["a"], up["b"]), dtype=complex) - np.asarray(f(dn["a"], dn["b"]), dtype=complex)) / (2 * h)
        scale = max(1.0, float(np.max(np.abs(fd))))
        assert np.max(np.abs(grad[:, k] - fd)) <= 1e-6 * scale


def test_parameter_order_is_first_appearance():
    e = gl.parameter("z") * gl.parameter("a") + gl.parameter("m") * gl.parameter("z")
    assert gl.Model(e).parameters == ("z", "a", "m")


def test_duplicate_amplitude_names_raise():
    a = gl.Scalar("A", gl.parameter("p"))
    b = gl.Scalar("A", gl.parameter("q"))
    assert (a + a).amplitude_names == ("A",)
    with pytest.raises(ModelError, match="duplicate amplitude name 'A'"):
        _ = a + b


def test_parameter_definition_conflicts_raise():
    with pytest.raises(ParameterError, match="different settings"):
        _ = gl.parameter("p", initial=1.0) + gl.parameter("p", initial=2.0)
    with pytest.raises(ParameterError, match="outside its bounds"):
        gl.parameter("p", initial=5.0, bounds=(0, 1))
    with pytest.raises(ParameterError, match="not below"):
        gl.parameter("p", bounds=(1, 0))
    with pytest.raises(ParameterError, match="finite"):
        gl.constant(float("nan"))
    with pytest.raises(TypeError):
        _ = gl.parameter("p") + "x"
