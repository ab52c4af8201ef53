"""The precompute/evaluate split: the PER_EVENT frontier becomes cache columns.

A PER_EVENT node is on the frontier when it is an output or feeds a node that depends on
free parameters.  Frontier nodes are computed once per dataset at load; in the per-call
graph each is replaced by a ``column`` leaf whose source is a :class:`CachedColumn`.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, column, const
>>> from gpu_laddu.passes.split import split_per_event, CachedColumn
>>> class Src:
...     key = ("demo",); dtype = "real"
...     def compute(self, ds, memo): ...
...     def required_columns(self): return frozenset(), frozenset()
>>> c = column(Src())
>>> out = make("mul", (param("a"), make("mul", (c, const(2.0)))))
>>> frontier, (new,) = split_per_event([out])
>>> [f.op for f in frontier], new.inputs[1].op
(['mul'], 'column')
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


def frontier_nodes(outputs: list[Node]) -> list[Node]:
    """PER_EVENT nodes that are outputs or inputs of PER_EVALUATION nodes (topological order)."""
    marked: set[int] = set()
    for node in topo_order(outputs):
        if node.eval_class == EvalClass.PER_EVALUATION:
            for i in node.inputs:
                if i.eval_class == EvalClass.PER_EVENT:
                    marked.add(id(i))
    for o in outputs:
        if o.eval_class == EvalClass.PER_EVENT:
            marked.add(id(o))
    return [n for n in topo_order(outputs) if id(n) in marked]


def split_per_event(outputs: list[Node]) -> tuple[list[Node], list[Node]]:
    """Return (frontier nodes to precompute, outputs rewritten to read them as columns)."""
    frontier = frontier_nodes(outputs)
    cached = {id(n): column(CachedColumn(n.fingerprint, n.dtype)) for n in frontier if n.op != "column"}

    def replace(node: Node, inputs: tuple[Node, ...]) -> Node:
        if id(node) in cached:
            return cached[id(node)]
        return node if inputs == node.inputs else make(node.op, inputs, node.attrs)

    return frontier, rebuild(outputs, replace)
