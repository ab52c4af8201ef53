"""Analytic derivatives as IR graphs (forward mode, one graph per free parameter).

``derivative(node, name)`` returns the IR of d(node)/d(name) for a real parameter
``name``; complex nodes are differentiated component-wise (d conj(a) = conj(da),
d|a|² = 2·Re(conj(a)·da), ...).  Zero derivatives are pruned while building, and equal
subexpressions are shared through interning, so the gradient of a coherent sum reuses the
value graph's nodes.  No finite differences anywhere.

Examples
--------
>>> from gpu_laddu.ir.nodes import param, make, const
>>> x = param("x")
>>> d = derivative(make("mul", (x, x)), "x")
>>> d.op
'add'
"""

from __future__ import annotations

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, const, make

_ZERO = None  # marker: derivative is identically zero


def _zero_like(node: Node) -> Node:
    return const(0j) if node.dtype == "complex" else const(0.0)


def derivative(node: Node, name: str) -> Node:
    """d(node)/d(parameter ``name``) as an IR node (a zero constant when independent)."""
    d = _Differentiator(name).run(node)
    return _zero_like(node) if d is None else d


def gradient(node: Node, names: list[str] | tuple[str, ...]) -> list[Node]:
    """Derivatives of ``node`` with respect to each parameter in ``names``."""
    return [derivative(node, n) for n in names]


class _Differentiator:
    def __init__(self, name: str) -> None:
        self.name = name
        self.memo: dict[int, Node | None] = {}

    def run(self, root: Node) -> Node | None:
        from gpu_laddu.ir.nodes import topo_order

        for node in topo_order([root]):
            self.memo[id(node)] = self._rule(node)
        return self.memo[id(root)]

    def _rule(self, n: Node) -> Node | None:  # noqa: C901 - one dispatch table
        op = n.op
        if op in ("const", "column"):
            return _ZERO
        if op == "param":
            return const(1.0) if n.attrs[0] == self.name else _ZERO
        ds = [self.memo[id(i)] for i in n.inputs]
        if all(d is None for d in ds):
            return _ZERO
        a = n.inputs[0]
        da = ds[0]
        if op == "eq":  # piecewise constant
            return _ZERO
        if op in ("amp", "neg", "conj", "real", "imag", "to_complex"):
            return make(op, (da,), n.attrs)  # type: ignore[arg-type]
        if op == "norm_sqr":
            assert da is not None
            if a.dtype == "real":
                return make("mul", (const(2.0), make("mul", (a, da))))
            return make("mul", (const(2.0), make("real", (make("mul", (make("conj", (a,)), da)),))))
        if op == "abs":
            return make("mul", (da, make("div", (a, n))))  # type: ignore[arg-type]
        if op == "sqrt":
            return make("div", (da, make("mul", (const(2.0), n))))  # type: ignore[arg-type]
        if op == "exp":
            return make("mul", (n, da))  # type: ignore[arg-type]
        if op == "log":
            return make("div", (da, a))  # type: ignore[arg-type]
        if op == "sin":
            return make("mul", (make("cos", (a,)), da))  # type: ignore[arg-type]
        if op == "cos":
            return make("neg", (make("mul", (make("sin", (a,)), da)),))  # type: ignore[arg-type]
        if op == "acos":  # d acos(a) = -da / sqrt(1 - a²)
            return make("neg", (make("div", (da, make("sqrt", (make("sub", (const(1.0), make("mul", (a, a)))),)))),))  # type: ignore[arg-type]
        if op == "cis":
            return make("mul", (make("mul", (const(1j), n)), da))  # type: ignore[arg-type]
        if op == "complex":
            re = ds[0] if ds[0] is not None else const(0.0)
            im = ds[1] if ds[1] is not None else const(0.0)
            return make("complex", (re, im))
        b = n.inputs[1]
        db = ds[1]
        if op == "atan2":  # d atan2(a, b) = (b·da − a·db) / (a² + b²)
            r2 = make("add", (make("mul", (a, a)), make("mul", (b, b))))
            num_a = None if da is None else make("mul", (b, da))
            num_b = None if db is None else make("mul", (a, db))
            if num_b is None:
                return make("div", (num_a, r2))  # type: ignore[arg-type]
            num = make("neg", (num_b,)) if num_a is None else make("sub", (num_a, num_b))
            return make("div", (num, r2))
        if op in ("add", "sub"):
            if db is None:
                return da
            if da is None:
                return db if op == "add" else make("neg", (db,))
            return make(op, (da, db))
        if op == "mul":
            left = None if da is None else make("mul", (da, b))
            right = None if db is None else make("mul", (a, db))
            if left is None:
                return right
            if right is None:
                return left
            return make("add", (left, right))
        if op == "div":
            # d(a/b) = (da - (a/b)·db) / b
            if db is None:
                return make("div", (da, b))  # type: ignore[arg-type]
            num = make("mul", (n, db))
            num = make("neg", (num,)) if da is None else make("sub", (da, num))
            return make("div", (num, b))
        raise IRError(f"no derivative rule for IR op {op!r}")
