"""Structural checks of IR graphs (run by the pass pipeline after every pass in debug mode).

A valid graph has only known ops with the right arity; every node is the interned node of
its ``(op, inputs, attrs)``; its dtype and evaluation class are the ones the rules of
:mod:`gpu_laddu.ir.nodes` give; real-only ops have real inputs; constants hold a float or a
complex, parameters and amplitudes a non-empty name, columns a source with a valid dtype.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> validate_graph([make("mul", (param("a"), const(2.0)))])
>>> validate_graph([])
Traceback (most recent call last):
...
gpu_laddu.errors.IRError: invalid IR: a graph needs at least one output
"""

from __future__ import annotations

from collections.abc import Sequence

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import OPS, REAL_ONLY_INPUT, EvalClass, Node, make, topo_order


def _fail(node: Node, what: str, where: str) -> IRError:
    suffix = f" (after pass {where!r})" if where else ""
    return IRError(f"invalid IR{suffix}: {node!r}: {what}")


def _check_leaf(node: Node, where: str) -> None:
    if node.op == "const":
        if len(node.attrs) != 1 or isinstance(node.attrs[0], bool) or not isinstance(node.attrs[0], (float, complex)):
            raise _fail(node, f"a constant holds one float or complex, got {node.attrs!r}", where)
    elif node.op in ("param", "amp"):
        if len(node.attrs) != 1 or not isinstance(node.attrs[0], str) or not node.attrs[0]:
            raise _fail(node, "needs one non-empty name", where)
    elif node.op == "column":
        src = node.attrs[0] if len(node.attrs) == 1 else None
        if getattr(src, "dtype", None) not in ("real", "complex") or not hasattr(src, "key"):
            raise _fail(node, "a column needs one source with a key and dtype 'real' or 'complex'", where)


def _expected_class(node: Node) -> EvalClass:
    if node.op == "const":
        return EvalClass.PER_COMPILE
    if node.op in ("param", "amp"):
        return EvalClass.PER_EVALUATION
    if node.op == "column":
        return EvalClass.PER_EVENT
    return max(i.eval_class for i in node.inputs)


def validate_graph(outputs: Sequence[Node], where: str = "") -> None:
    """Raise :class:`IRError` naming the first invalid node reachable from ``outputs``."""
    if not outputs:
        raise IRError("invalid IR: a graph needs at least one output")
    for node in topo_order(outputs):
        if not isinstance(node, Node):
            raise IRError(f"invalid IR: {node!r} is not an IR node")
        if node.op not in OPS:
            raise _fail(node, f"unknown op {node.op!r}", where)
        arity = OPS[node.op][0]
        if len(node.inputs) != arity:
            raise _fail(node, f"op {node.op!r} takes {arity} input(s), has {len(node.inputs)}", where)
        _check_leaf(node, where)
        if node.op in REAL_ONLY_INPUT and any(i.dtype != "real" for i in node.inputs):
            raise _fail(node, f"op {node.op!r} takes real inputs", where)
        try:
            interned = make(node.op, node.inputs, node.attrs)
        except IRError as exc:
            raise _fail(node, str(exc), where) from None
        if interned is not node:
            raise _fail(node, "is not the interned node of its (op, inputs, attrs)", where)
        if node.eval_class != _expected_class(node):
            raise _fail(node, f"evaluation class {node.eval_class.name} does not follow from its inputs", where)
