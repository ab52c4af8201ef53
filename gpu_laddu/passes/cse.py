"""Common-subexpression elimination by canonical operand order.

IR nodes are hash-consed, so structurally identical subtrees are already one node.  What
interning cannot see is commutativity: ``a·b`` and ``b·a`` are different trees.  This pass
orders the operands of every commutative op (``add``, ``mul``) by fingerprint, after which
the two are the same interned node.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param
>>> a, b = param("a"), param("b")
>>> x, y = make("mul", (a, b)), make("mul", (b, a))
>>> x is y
False
>>> u, v = cse([x, y])
>>> u is v
True
"""

from __future__ import annotations

from gpu_laddu.ir.nodes import Node, make, rebuild

COMMUTATIVE = frozenset({"add", "mul"})


def _canonical(node: Node, inputs: tuple[Node, ...]) -> Node:
    if node.op in COMMUTATIVE:
        inputs = tuple(sorted(inputs, key=lambda n: n.fingerprint))
    return node if inputs == node.inputs else make(node.op, inputs, node.attrs)


def cse(outputs: list[Node]) -> list[Node]:
    """Rewrite ``outputs`` with the operands of commutative ops in canonical order."""
    return rebuild(list(outputs), _canonical)
