"""Constant folding and algebraic simplification; fixing parameters to constants.

Rules (each keeps the node's dtype): ops on constants are evaluated (a :class:`ModelError` where that
is undefined or not finite); ``x+0, x-0, x*1,
x/1 → x``; ``x*0, 0/x → 0``; ``-(-x), conj(conj(x)) → x``; ``conj, real`` of a real node
→ the node; ``imag`` of a real node → 0; ``real/imag`` of ``complex(a, b)`` → ``a``/``b``
and of ``to_complex(a)`` → ``a``/0; ``|conj x|², |-x|², |to_complex x|² → |x|²``;
``x + (-y) → x - y``, ``x - (-y) → x + y``; ``amp(0) → 0``; ``norm_sqr(a*b) →
norm_sqr(a)*norm_sqr(b)``; ``Re/Im`` of a product with a complex constant factor K →
``K.re·Re P ∓ K.im·Im P`` (so ``Re(i·P) → -Im P``); products are reassociated so that their per-event factors form
one subproduct (precomputed once per dataset) and their constant and parameter factors another.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> x = param("x")
>>> (out,) = fold([make("add", (make("mul", (x, const(1.0))), const(0.0)))])
>>> out is x
True
>>> (out,) = fix_parameters([make("mul", (x, const(3.0)))], {"x": 2.0})
>>> out.value
6.0
"""

from __future__ import annotations

import cmath
from collections.abc import Mapping
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.nodes import EvalClass, Node, const, make, rebuild
from gpu_laddu.ir.scalar_rules import SCALAR_RULES as _SCALAR


def _is(node: Node, value: float) -> bool:
    return node.op == "const" and node.attrs[0] == value


def _as_dtype(node: Node, dtype: str) -> Node:
    if node.dtype == dtype:
        return node
    if dtype == "complex":
        return const(complex(node.attrs[0])) if node.op == "const" else make("to_complex", (node,))
    return node  # a complex node never needs narrowing here


def _zero(dtype: str) -> Node:
    return const(0j) if dtype == "complex" else const(0.0)


def simplify_node(node: Node, inputs: tuple[Node, ...]) -> Node:  # noqa: C901 - rule table
    """One bottom-up rewrite step (``inputs`` are the already simplified inputs)."""
    op = node.op
    if op in ("const", "param", "column"):
        return node
    dtype = node.dtype
    if op != "amp" and inputs and all(i.op == "const" for i in inputs):
        value = _fold_constant(op, tuple(i.attrs[0] for i in inputs))
        return _as_dtype(const(complex(value) if dtype == "complex" else float(value.real)), dtype)
    a = inputs[0]
    if op == "amp" and a.op == "const" and a.attrs[0] == 0:
        return a
    if op in ("neg", "conj") and a.op == op:
        return a.inputs[0]
    if op in ("conj", "real") and a.dtype == "real":
        return a
    if op == "imag" and a.dtype == "real":
        return const(0.0)
    if op in ("real", "imag") and a.op == "complex":
        return a.inputs[0] if op == "real" else a.inputs[1]
    if op in ("real", "imag", "conj") and a.op == "to_complex":
        return {"real": a.inputs[0], "imag": const(0.0), "conj": a}[op]
    if op == "norm_sqr" and a.op in ("conj", "neg", "to_complex"):
        return make("norm_sqr", a.inputs)
    if op == "norm_sqr" and a.op == "mul":
        return make("mul", tuple(make("norm_sqr", (x,)) for x in a.inputs))
    if op in ("real", "imag") and a.op == "mul":
        split = _complex_constant_factor(a)
        if split is not None:
            return _part_of_scaled(op, *split)
    if op == "mul":
        regrouped = _regroup_product(node, inputs)
        if regrouped is not None:
            return regrouped
    if len(inputs) == 2:
        b = inputs[1]
        if op == "add":
            if _is(a, 0):
                return _as_dtype(b, dtype)
            if _is(b, 0):
                return _as_dtype(a, dtype)
            if b.op == "neg":
                return make("sub", (a, b.inputs[0]))
            if a.op == "neg":
                return make("sub", (b, a.inputs[0]))
        elif op == "sub":
            if _is(b, 0):
                return _as_dtype(a, dtype)
            if _is(a, 0):
                return _as_dtype(make("neg", (b,)), dtype)
            if b.op == "neg":
                return make("add", (a, b.inputs[0]))
        elif op == "mul":
            if _is(a, 0) or _is(b, 0):
                return _zero(dtype)
            if _is(a, 1):
                return _as_dtype(b, dtype)
            if _is(b, 1):
                return _as_dtype(a, dtype)
        elif op == "div":
            if _is(a, 0):
                return _zero(dtype)
            if _is(b, 1):
                return _as_dtype(a, dtype)
    return node if inputs == node.inputs else make(op, inputs, node.attrs)


def _fold_constant(op: str, args: tuple[Any, ...]) -> Any:
    """``op(*args)`` on constants, or a :class:`ModelError` when it is undefined or not finite
    (a model that divides by a parameter fixed to 0, or takes the log of a negative constant)."""
    try:
        value = _SCALAR[op](*args)
    except (ValueError, ArithmeticError) as exc:
        raise ModelError(f"the constant sub-expression {op}{args!r} is undefined ({exc}): check the values "
                         "parameters are fixed to and the constants of the model") from None
    if not cmath.isfinite(value):
        raise ModelError(f"the constant sub-expression {op}{args!r} is not finite ({value}): check the values "
                         "parameters are fixed to and the constants of the model")
    return value


def _complex_constant_factor(product: Node) -> tuple[complex, Node] | None:
    """``(K, P)`` with ``product = K·P`` for a complex constant K found one or two levels down."""
    x, y = product.inputs
    for p, q in ((x, y), (y, x)):
        if q.op == "const" and q.dtype == "complex":
            return complex(q.attrs[0]), p
    for p, q in ((x, y), (y, x)):
        if q.op == "mul":
            for r, k in (q.inputs, q.inputs[::-1]):
                if k.op == "const" and k.dtype == "complex":
                    return complex(k.attrs[0]), make("mul", (p, r))
    return None


def _part_of_scaled(op: str, k: complex, p: Node) -> Node:
    """Re(K·P) = K.re·Re P − K.im·Im P, or Im(K·P) = K.re·Im P + K.im·Re P (zero terms dropped).

    With K = i this turns Re(conj(A)·(i·B)), the derivative of |A|² by an imaginary part,
    into −Im(conj(A)·B), which shares its product with the derivative by the real part.
    """
    first, second = (("real", "imag") if op == "real" else ("imag", "real"))
    a, b = k.real, (-k.imag if op == "real" else k.imag)
    terms = [(c, make(part, (p,))) for c, part in ((a, first), (b, second)) if c != 0]
    parts = [t if c == 1 else make("neg", (t,)) if c == -1 else make("mul", (const(c), t)) for c, t in terms]
    if not parts:
        return const(0.0)
    return parts[0] if len(parts) == 1 else make("add", (parts[0], parts[1]))


def _product(factors: list[Node]) -> Node:
    out = factors[0]
    for f in factors[1:]:
        out = make("mul", (out, f))
    return out


def _regroup_product(node: Node, inputs: tuple[Node, ...]) -> Node | None:
    """Reassociate a product so that its per-event factors form one precomputable subproduct.

    ``((amp·2)·x)·y`` becomes ``(x·y)·(amp·2)``: the split then caches one column, not two.
    Constants stay with the parameter-dependent factors (uniform: computed once per call),
    so that an event factor E and, say, the 2·E of a derivative share one cache column.
    A product already of the form ``event · (product of the other factors)`` (in either
    operand order) is left alone, so that the rule commutes with the operand ordering of
    :mod:`gpu_laddu.passes.cse` and the pipeline reaches a fixed point.
    """
    factors: list[Node] = []
    stack = list(reversed(inputs))
    while stack:
        f = stack.pop()
        if f.op == "mul" and f.eval_class == EvalClass.PER_EVALUATION:
            stack.extend(reversed(f.inputs))
        else:
            factors.append(f)
    event = [f for f in factors if f.eval_class == EvalClass.PER_EVENT]
    other = [f for f in factors if f.eval_class != EvalClass.PER_EVENT]
    if not event or not any(f.eval_class == EvalClass.PER_EVALUATION for f in other):
        return None
    if len(event) == 1 and any(event[0] is i for i in inputs):
        return None
    result = make("mul", (_product(event), _product(other)))
    return result if result.dtype == node.dtype and result is not node else None


def fold(outputs: list[Node]) -> list[Node]:
    """Fold constants and simplify, to a fixed point."""
    current = list(outputs)
    while True:
        new = rebuild(current, simplify_node)
        if all(n is c for n, c in zip(new, current)):
            return new
        current = new


def fix_parameters(outputs: list[Node], values: Mapping[str, float]) -> list[Node]:
    """Replace the named parameters by constants, then fold."""
    if not values:
        return list(outputs)

    def replace(node: Node, inputs: tuple[Node, ...]) -> Node:
        if node.op == "param" and node.attrs[0] in values:
            return const(float(values[node.attrs[0]]))
        return node if inputs == node.inputs else make(node.op, inputs, node.attrs)

    return fold(rebuild(outputs, replace))
