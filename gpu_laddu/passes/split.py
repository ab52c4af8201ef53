"""The precompute/evaluate split: the PER_EVENT frontier becomes cache columns.

A PER_EVENT node is on the frontier when it is an output or feeds a node that depends on
free parameters.  Frontier nodes are computed once per dataset at load; in the per-call
graph each is replaced by a ``column`` leaf whose source is a :class:`CachedColumn`.
A frontier node that is a cheap view of another PER_EVENT node (``to_complex``, ``neg``,
``conj``, or a product with / quotient by a constant) is not cached itself: its input is,
and the view is applied per call (one operation per event is cheaper than reading another
column), so that e.g. ``x`` and ``to_complex(x)``, or ``E`` and the ``2i·E`` of a
derivative, share one column.  Likewise a product of two nodes that are cached anyway is
multiplied per call rather than cached as a third column (derivative graphs are full of
such products of a basis and an angular factor).

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, column, const
>>> from gpu_laddu.passes.split import split_per_event, CachedColumn
>>> class Src:
...     key = ("demo",); dtype = "real"
...     def compute(self, ds, memo): ...
...     def required_columns(self): return frozenset(), frozenset()
>>> c = column(Src())
>>> out = make("mul", (param("a"), make("exp", (c,))))
>>> frontier, (new,) = split_per_event([out])
>>> [f.op for f in frontier], new.inputs[1].op
(['exp'], 'column')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import EvalClass, Node, column, make, rebuild, topo_order


@dataclass(frozen=True)
class CachedColumn:
    """Column source standing for a precomputed PER_EVENT node (keyed by its fingerprint)."""

    fingerprint: str
    dtype: str

    @property
    def key(self) -> tuple[str, str]:
        return ("cached", self.fingerprint)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        raise IRError("a cached column is filled at load from its frontier node, not computed directly")

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(), frozenset()


_VIEWS = frozenset({"to_complex", "neg", "conj", "eq"})


def _viewed(node: Node) -> Node | None:
    """The node that ``node`` is a cheap view of, or None."""
    if node.op in _VIEWS:
        return node.inputs[0]
    if node.op in ("mul", "div"):
        a, b = node.inputs
        if b.op == "const":
            return a
        if a.op == "const" and node.op == "mul":
            return b
    return None


def frontier_nodes(outputs: list[Node]) -> list[Node]:
    """PER_EVENT nodes that are outputs or inputs of PER_EVALUATION nodes (topological order).

    Cheap views (see the module docstring) are replaced by the node they view.
    """
    marked: set[int] = set()

    def mark(node: Node) -> None:
        inner = _viewed(node)
        while inner is not None:
            node, inner = inner, _viewed(inner)
        marked.add(id(node))

    for node in topo_order(outputs):
        if node.eval_class == EvalClass.PER_EVALUATION:
            for i in node.inputs:
                if i.eval_class == EvalClass.PER_EVENT:
                    mark(i)
    for o in outputs:
        if o.eval_class == EvalClass.PER_EVENT:
            mark(o)
    order = topo_order(outputs)
    for node in order:  # a product of two cached columns is one multiply per call, not a third column
        if id(node) in marked and node.op == "mul" and all(_available(i, marked) for i in node.inputs):
            marked.discard(id(node))
    return [n for n in order if id(n) in marked]


def _available(node: Node, marked: set[int]) -> bool:
    """Whether ``node`` is read per call without a column of its own (cached, or a view of a cached node)."""
    while True:
        if id(node) in marked or node.op == "const":
            return True
        inner = _viewed(node)
        if inner is None:
            return False
        node = inner


def split_per_event(outputs: list[Node]) -> tuple[list[Node], list[Node]]:
    """Return (frontier nodes to precompute, outputs rewritten to read them as columns)."""
    frontier = frontier_nodes(outputs)
    cached = {id(n): column(CachedColumn(n.fingerprint, n.dtype)) for n in frontier if n.op != "column"}

    def replace(node: Node, inputs: tuple[Node, ...]) -> Node:
        if id(node) in cached:
            return cached[id(node)]
        return node if inputs == node.inputs else make(node.op, inputs, node.attrs)

    return frontier, rebuild(outputs, replace)
