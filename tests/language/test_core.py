"""The scalar language: Expr, parameters, arithmetic with numbers, math methods, tags — against
NumPy/cmath on host values, laddu 0.28.1 where it has the same call, and finite differences."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import GpuLadduError, ModelError, ParameterError

X, Y = 0.37, -1.21


def _value(expr: gl.Expression, **params: float) -> complex:
    model = gl.Model(expr)
    return model.evaluate(parameters={k: v for k, v in params.items() if k in model.parameters})


@pytest.mark.parametrize(("build", "expected"), [
    (lambda x, y: x * x - y / 3.0 + 1.5, X * X - Y / 3.0 + 1.5),
    (lambda x, y: (x + 1j * y) ** 3, (X + 1j * Y) ** 3),
    (lambda x, y: x ** -2, X ** -2),
    (lambda x, y: x ** 0, 1.0),
    (lambda x, y: gl.complex(x, y).sqrt(), cmath.sqrt(complex(X, Y))),
    (lambda x, y: gl.complex(x, y).exp().log(), cmath.log(cmath.exp(complex(X, Y)))),
    (lambda x, y: x.sin() * y.cos(), math.sin(X) * math.cos(Y)),
    (lambda x, y: gl.complex(x, y).sin(), cmath.sin(complex(X, Y))),
    (lambda x, y: gl.complex(x, y).cos(), cmath.cos(complex(X, Y))),
    (lambda x, y: x.acos(), math.acos(X)),
    (lambda x, y: gl.atan2(y, x), math.atan2(Y, X)),
    (lambda x, y: gl.acos(x) + gl.cis(y), math.acos(X) + cmath.exp(1j * Y)),
    (lambda x, y: gl.polar_complex(x, y), X * cmath.exp(1j * Y)),
    (lambda x, y: gl.complex(x, y).conj().imag() + gl.complex(x, y).norm_sqr(), -Y + X * X + Y * Y),
    (lambda x, y: np.float64(2.0) * x + x * np.float32(0.5) + np.int64(3) - y * np.int32(2),
     2 * X + 0.5 * X + 3 - 2 * Y),
])
def test_scalar_expressions_match_python(build, expected):  # type: ignore[no-untyped-def]
    x, y = gl.parameter("x"), gl.parameter("y")
    got = _value(build(x, y), x=X, y=Y)
    assert abs(got - complex(expected)) <= 1e-14 * max(1.0, abs(expected))


def test_expr_constructor_and_shape():
    assert gl.Model(gl.Expr(0.5) * 2).evaluate() == 1.0
    assert gl.Expr(gl.parameter("a")).parameter_names == ("a",)
    assert gl.Expr(2.0).shape == ()


@pytest.mark.parametrize("op", ["sqrt", "exp", "log", "sin", "cos", "acos", "atan2", "pow", "div"])
def test_gradients_match_finite_differences(op, cpu_ctx):  # type: ignore[no-untyped-def]
    x = gl.parameter("x")
    ds = gl.from_numpy(scalars={"v": np.linspace(0.1, 0.8, 5)}, ctx=cpu_ctx)
    v = gl.scalar("v")
    body = {"sqrt": lambda: (x * v + 2.0).sqrt(), "exp": lambda: (x * v).exp(), "log": lambda: (x + v).log(),
            "sin": lambda: (x * v).sin(), "cos": lambda: gl.complex(x, v).cos(), "acos": lambda: (x * v).acos(),
            "atan2": lambda: gl.atan2(x, v) + gl.atan2(v, x * 2.0), "pow": lambda: (x + v) ** 3,
            "div": lambda: v / (x * x + 1.0)}[op]()
    nll_model = gl.Model(body.norm_sqr())
    ev = nll_model.load(ds)
    x0, h = 0.43, 1e-6
    grad = np.asarray(ev.evaluate_gradient([x0]))[:, 0]
    fd = (np.asarray(ev.evaluate([x0 + h])) - np.asarray(ev.evaluate([x0 - h]))) / (2 * h)
    assert np.max(np.abs(grad - fd)) <= 1e-6 * max(1.0, np.max(np.abs(fd)))


def test_parameter_fixed_range_and_labels():
    a = gl.parameter("a", initial=(1.0, 3.0), bounds=(0.0, 5.0), unit="GeV", latex="a", description="d")
    b = gl.parameter("b", fixed=2.5)
    model = gl.Model(a * b)
    assert model.parameter_names == ["a"]
    assert model.default_parameters == [2.0]
    assert model.fixed_parameters == {"b": 2.5}
    assert model.evaluate() == 5.0
    assert model.free("b").parameters == ("a", "b")
    assert a.params["a"].unit == "GeV"


def test_model_evaluate_matches_laddu_with_partial_mappings(laddu):  # type: ignore[no-untyped-def]
    outs = []
    for ld in (laddu, gl):
        z = ld.complex(ld.parameter("x"), ld.parameter("y", initial=0.25)) * ld.parameter("w", fixed=3.0)
        m = ld.Model(z * z + ld.cis(ld.parameter("p")))
        outs.append((list(m.parameter_names), m.evaluate(parameters={"x": 2.0, "p": 0.3}),
                     m.evaluate(parameters=[1.0, 2.0, 0.5]), m.evaluate(parameters=[1.0, 2.0, 0.5], real=True)))
    (names_l, a_l, b_l, c_l), (names_g, a_g, b_g, c_g) = outs
    assert names_l == names_g
    assert abs(a_l - a_g) <= 1e-12 * abs(a_l) and abs(b_l - b_g) <= 1e-12 * abs(b_l)
    assert isinstance(c_g, float) and abs(c_l - c_g) <= 1e-12 * abs(c_l)


def test_cparameter_names_values_like_laddu(laddu):  # type: ignore[no-untyped-def]
    for kwargs in ({}, {"coordinates": "polar"}, {"suffixes": ("_r", "_i")}):
        names, values = [], []
        for ld in (laddu, gl):
            m = ld.Model(ld.cparameter("beta", **kwargs))
            names.append(list(m.parameter_names))
            values.append(m.evaluate(parameters=[1.5, 0.4]))
        assert names[0] == names[1]
        assert abs(values[0] - values[1]) <= 1e-14
    fixed = gl.cparameter("g", fixed=1 + 2j)
    assert gl.Model(fixed).evaluate() == 1 + 2j


def test_tags_project_and_activate(cpu_ctx):  # type: ignore[no-untyped-def]
    a, b = gl.parameter("a"), gl.parameter("b")
    expr = a.tagged("s") + b.tagged("bkg") + (a * b).tagged("s")
    assert gl.Model(expr.project(["s"])).evaluate(parameters=[2.0, 3.0]) == 8.0
    assert gl.Model(expr.project("bkg")).evaluate(parameters=[2.0, 3.0]) == 3.0
    with pytest.raises(ModelError, match="unknown tag"):
        expr.project(["nope"])


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: gl.parameter("a", initial="abc"), ParameterError, "initial value must be a real number"),
    (lambda: gl.parameter("a", bounds=("a", 1)), ParameterError, "each bound"),
    (lambda: gl.parameter("a", bounds=3), ParameterError, "bounds must be a pair"),
    (lambda: gl.parameter("a", bounds=(2.0, 1.0)), ParameterError, "not below"),
    (lambda: gl.parameter("a", fixed=5.0, bounds=(0.0, 1.0)), ParameterError, "fixed value 5.0 is outside"),
    (lambda: gl.parameter("a", periodic=True), ParameterError, "periodic"),
    (lambda: gl.parameter("a", scale=-1.0), ParameterError, "scale"),
    (lambda: gl.parameter("a") ** 0.5, ModelError, "integer power"),
    (lambda: gl.parameter("a") ** gl.parameter("b"), ModelError, "integer power"),
    (lambda: gl.complex(gl.parameter("a"), gl.parameter("b")).acos(), ModelError, "real expression"),
    (lambda: gl.atan2(1j, 1.0), ModelError, "two real"),
    (lambda: gl.parameter("a") + "x", GpuLadduError, "cannot use"),
    (lambda: gl.cparameter("c", coordinates="spherical"), ParameterError, "coordinates"),
    (lambda: gl.parameter("a") + gl.parameter("a", initial=1.0) + gl.parameter("a", initial=2.0), ParameterError,
     "defined twice"),
])
def test_bad_input_named_errors_at_build(call, error, match):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        call()


def test_undefined_points_raise_likelihood_error():
    x = gl.parameter("x")
    with pytest.raises(gl.LikelihoodError):
        gl.Model((x - 1.0).sqrt()).evaluate(parameters=[-2.0])
    with pytest.raises(gl.LikelihoodError):
        gl.Model(x.log()).evaluate(parameters=[0.0])
    with pytest.raises(gl.LikelihoodError):
        gl.Model(1.0 / x).evaluate(parameters=[0.0])


def test_dot_and_tree_describe_the_graph():
    e = (gl.parameter('a"b') * 2.0 + gl.scalar("v")).sqrt()
    dot = e.dot()
    assert dot.startswith("digraph expression {") and dot.endswith("}")
    assert dot.count("->") == 5 and '\\"' in dot  # five edges; the quote in the name is escaped
    assert e.tree().splitlines()[-1] == "out[0] = %5"
