"""Reverse-mode derivatives of a per-call value, split at the uniform/event frontier.

A fused likelihood kernel needs, per event, the gradient of the intensity ``I`` with respect
to every free parameter.  Forward mode (:mod:`gpu_laddu.ir.grad`) builds one derivative graph
per parameter; here the derivative is taken in reverse, once, and only down to the
*boundary*: the uniform nodes (no column below, a parameter below) that event nodes read,
typically the complex couplings.  Per event the kernel sums, for each boundary node ``u``,

    ḡ_u = ∂I/∂Re u + i·∂I/∂Im u          (real ``u``: ∂I/∂u)

weighted like the value (``w/I`` for ln I, ``w`` for I), and once per call
:func:`gpu_laddu.codegen.chain.chain_rule` maps the summed ``ḡ`` to the parameters with
∂f/∂p = Σ_u Re(conj(ḡ_u)·∂u/∂p), which only involves uniform nodes.  For the K-matrix model
this replaces 34 per-event derivative chains by one complex product per coupling use.

The reverse rules (``G`` the adjoint of a node ``n``, ``a``, ``b`` its inputs; for a real
input of a complex node the real part of the contribution is taken):

==============  ===================================
``a ± b``        G_a += G, G_b += ±G
``a·b``          G_a += G·conj(b), G_b += G·conj(a)
``a/b``          t = G/conj(b): G_a += t, G_b += −t·conj(n)
``conj``         conj(G)
``real``/``imag``  G / i·G
``|a|²``         2·G·a
``|a|`` (real)   G·a/n
``sqrt, exp, log``  G/(2·conj(n)), G·conj(n), G/conj(a)
``sin, cos``     G·cos a, −G·sin a
``cis``          Im(G·conj(n))
``to_complex``   Re G;  ``complex(x, y)``: Re G, Im G
==============  ===================================

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, column
>>> class Col:
...     key = ("demo",)
...     dtype = "complex"
...     def compute(self, ds, memo): ...
...     def required_columns(self): return frozenset(), frozenset()
>>> c = make("complex", (param("x"), param("y")))
>>> adj = reverse_adjoint(make("norm_sqr", (make("mul", (c, column(Col()))),)))
>>> [u.attrs[0] for u in adj.boundary], len(adj.outputs), adj.slots
(['x', 'y'], 3, ((1, None), (2, None)))
"""

from __future__ import annotations

from dataclasses import dataclass

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, const, make, topo_order


@dataclass(frozen=True)
class Adjoint:
    """The value and the per-event adjoint sums of a reverse sweep.

    Attributes
    ----------
    outputs : tuple of Node
        ``[value, then one real node per adjoint slot]`` (not yet simplified: run CSE and
        folding on them, as :func:`gpu_laddu.codegen.plan.make_plan` does).
    boundary : tuple of Node
        Uniform nodes with a parameter below them, read by event nodes (or the value itself
        when it is uniform); a uniform ``complex(x, y)`` or ``to_complex(x)`` is looked
        through, so a coupling with a fixed imaginary part costs one sum, not two.
    slots : tuple of (int, int or None)
        Per boundary node, the output indices of Re ḡ and Im ḡ (``None``: a real node).
    """

    outputs: tuple[Node, ...]
    boundary: tuple[Node, ...]
    slots: tuple[tuple[int, int | None], ...]


def _conj(n: Node) -> Node:
    return make("conj", (n,)) if n.dtype == "complex" else n


def _real(n: Node) -> Node:
    return make("real", (n,)) if n.dtype == "complex" else n


def _imag(n: Node) -> Node:
    return make("imag", (n,))


def _neg(n: Node) -> Node:
    return n.inputs[0] if n.op == "neg" else make("neg", (n,))


def _is_one(n: Node) -> bool:
    return n.op == "const" and n.attrs[0] == 1


def _mul(a: Node, b: Node) -> Node:
    if _is_one(a):
        return b
    if _is_one(b):
        return a
    return make("mul", (a, b))


class _Sweep:
    def __init__(self, value: Node) -> None:
        order = topo_order([value])
        self.events: dict[int, bool] = {}
        self.params: dict[int, bool] = {}
        for n in order:
            self.events[id(n)] = n.op == "column" or any(self.events[id(i)] for i in n.inputs)
            self.params[id(n)] = n.op == "param" or any(self.params[id(i)] for i in n.inputs)
            if n.op == "amp":
                raise IRError(f"{n!r}: specialise activation before taking the adjoint")
        self.order = order
        self.adjoint: dict[int, list[Node]] = {}
        self.boundary: dict[int, Node] = {}

    def add(self, target: Node, contribution: Node) -> None:
        """Add ``contribution`` (already of the right meaning) to ``target``'s adjoint."""
        if not self.params[id(target)]:
            return
        if not self.events[id(target)] and target.op in ("complex", "to_complex"):
            # a uniform complex(x, y) passes Re/Im of its adjoint on: x and y are summed, not both parts of it
            self.add(target.inputs[0], _real(contribution))
            if target.op == "complex" and contribution.dtype == "complex":
                self.add(target.inputs[1], _imag(contribution))
            return
        if target.dtype == "real":
            contribution = _real(contribution)
        elif contribution.dtype == "real":
            contribution = make("to_complex", (contribution,))
        self.adjoint.setdefault(id(target), []).append(contribution)
        if not self.events[id(target)]:
            self.boundary.setdefault(id(target), target)

    def total(self, n: Node) -> Node | None:
        parts = self.adjoint.get(id(n))
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = make("add", (out, p))
        return out

    def run(self, value: Node) -> None:
        if not self.events[id(value)]:  # a uniform value: its own boundary, adjoint 1
            self.add(value, const(1.0))
            return
        self.adjoint[id(value)] = [const(1.0)]
        for n in reversed(self.order):
            if not self.events[id(n)] or n.op == "column":
                continue
            g = self.total(n)
            if g is not None:
                self.propagate(n, g)

    def propagate(self, n: Node, g: Node) -> None:  # noqa: C901 - one rule per op
        op, ins = n.op, n.inputs
        a = ins[0]
        if op == "add":
            self.add(a, g)
            self.add(ins[1], g)
        elif op == "sub":
            self.add(a, g)
            self.add(ins[1], _neg(g))
        elif op == "neg":
            self.add(a, _neg(g))
        elif op == "mul":
            self.add(a, _mul(g, _conj(ins[1])))
            self.add(ins[1], _mul(g, _conj(a)))
        elif op == "div":
            t = make("div", (g, _conj(ins[1])))
            self.add(a, t)
            self.add(ins[1], _neg(_mul(t, _conj(n))))
        elif op == "conj":
            self.add(a, _conj(g))
        elif op == "real":
            self.add(a, g)
        elif op == "imag":
            if a.dtype == "complex":
                self.add(a, make("complex", (const(0.0), g)))
        elif op == "norm_sqr":
            self.add(a, _mul(_mul(const(2.0), g), a))
        elif op == "abs":
            self.add(a, _mul(g, make("div", (a, n))))
        elif op == "sqrt":
            self.add(a, make("div", (g, _mul(const(2.0), _conj(n)))))
        elif op == "exp":
            self.add(a, _mul(g, _conj(n)))
        elif op == "log":
            self.add(a, make("div", (g, _conj(a))))
        elif op == "sin":
            self.add(a, _mul(g, make("cos", (a,))))
        elif op == "cos":
            self.add(a, _neg(_mul(g, make("sin", (a,)))))
        elif op == "acos":
            self.add(a, _neg(make("div", (g, make("sqrt", (make("sub", (const(1.0), make("mul", (a, a)))),))))))
        elif op == "atan2":
            b = ins[1]
            t = make("div", (g, make("add", (make("mul", (a, a)), make("mul", (b, b))))))
            self.add(a, _mul(t, b))
            self.add(b, _neg(_mul(t, a)))
        elif op == "cis":
            self.add(a, _imag(_mul(g, _conj(n))))
        elif op == "to_complex":
            self.add(a, _real(g))
        elif op == "complex":
            self.add(a, _real(g))
            self.add(ins[1], _imag(g))
        elif op != "eq":  # eq is piecewise constant
            raise IRError(f"no reverse-mode rule for IR op {op!r}")


def reverse_adjoint(value: Node) -> Adjoint:
    """The value and, per boundary node, the real nodes of its per-event adjoint (see the module docstring).

    A complex ``value`` stands for its real part, which is what a likelihood evaluates.
    """
    if value.dtype == "complex":  # a likelihood reads the real part of a complex model expression
        value = make("real", (value,))
    sweep = _Sweep(value)
    sweep.run(value)
    boundary = tuple(sweep.boundary.values())
    outputs: list[Node] = [value]
    slots: list[tuple[int, int | None]] = []
    for u in boundary:
        g = sweep.total(u)
        assert g is not None
        if u.dtype == "complex":
            slots.append((len(outputs), len(outputs) + 1))
            outputs.extend((make("real", (g,)), make("imag", (g,))))
        else:
            slots.append((len(outputs), None))
            outputs.append(g)
    return Adjoint(tuple(outputs), boundary, tuple(slots))
