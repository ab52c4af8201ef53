"""Constant folding and algebraic simplification, rule by rule."""

import pytest

from gpu_laddu.ir.nodes import EvalClass, const, make, param
from gpu_laddu.passes.cse import cse
from gpu_laddu.passes.fold import fix_parameters, fold
from gpu_laddu.passes.pipeline import Pipeline
from gpu_laddu.passes.standard import CSE, FOLD
from tests.helpers import col

A, B = param("a"), param("b")
Z = make("complex", (A, B))


@pytest.mark.parametrize(("expr", "want"), [
    (make("mul", (A, const(0.0))), const(0.0)),
    (make("mul", (const(1.0), A)), A),
    (make("add", (A, const(0.0))), A),
    (make("sub", (A, const(0.0))), A),
    (make("div", (A, const(1.0))), A),
    (make("div", (const(0.0), A)), const(0.0)),
    (make("neg", (make("neg", (A,)),)), A),
    (make("conj", (make("conj", (Z,)),)), Z),
    (make("conj", (A,)), A),
    (make("real", (A,)), A),
    (make("imag", (A,)), const(0.0)),
    (make("real", (Z,)), A),
    (make("imag", (Z,)), B),
    (make("real", (make("to_complex", (A,)),)), A),
    (make("imag", (make("to_complex", (A,)),)), const(0.0)),
    (make("norm_sqr", (make("conj", (Z,)),)), make("norm_sqr", (Z,))),
    (make("norm_sqr", (make("neg", (Z,)),)), make("norm_sqr", (Z,))),
    (make("add", (A, make("neg", (B,)))), make("sub", (A, B))),
    (make("sub", (A, make("neg", (B,)))), make("add", (A, B))),
    (make("amp", (const(0j),), ("X",)), const(0j)),
    (make("add", (const(2.0), const(3.0))), const(5.0)),
    (make("mul", (Z, const(1 + 0j))), Z),
])
def test_rule(expr, want):
    assert fold([expr])[0] is want


def test_zero_keeps_dtype():
    (out,) = fold([make("mul", (Z, const(0.0)))])
    assert out is const(0j)


def test_norm_sqr_of_product_splits():
    x = col("x").node
    (out,) = fold([make("norm_sqr", (make("mul", (Z, make("to_complex", (x,)))),))])
    assert out.op == "mul"
    assert {i.op for i in out.inputs} == {"norm_sqr"}


def test_products_regroup_event_factors_and_reach_a_fixed_point_with_cse():
    x, y = col("x").node, col("y").node
    expr = make("mul", (make("mul", (make("mul", (A, const(2.0))), x)), y))
    out = Pipeline([CSE, FOLD], validate=True).run([expr])[0]
    event = [i for i in out.inputs if i.eval_class == EvalClass.PER_EVENT]
    assert len(event) == 1  # 2·x·y is one precomputable factor
    assert fold(cse([out]))[0] is out


def test_fix_parameters_folds():
    (out,) = fix_parameters([make("add", (make("mul", (A, B)), B))], {"b": 2.0})
    assert fold([out])[0] is out
    assert {i.op for i in out.inputs} <= {"mul", "const", "param"}
    (out,) = fix_parameters([make("mul", (A, B))], {"a": 3.0, "b": 2.0})
    assert out is const(6.0)
