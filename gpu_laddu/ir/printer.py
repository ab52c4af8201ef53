"""A stable text form of IR graphs (for ``GPU_LADDU_DUMP_IR``, tests and debugging).

One line per node in topological order, then one line per output::

    %0 = param 'a'  : real PER_EVALUATION
    %1 = const 2.0  : real PER_COMPILE
    %2 = mul %0, %1  : real PER_EVALUATION
    out[0] = %2

Node numbers depend only on the graph, so the text of equal graphs is equal (in any
process).  Strings (parameter and amplitude names) are printed with ``repr``, so a name
with a newline cannot break the one-line-per-node layout.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> print(format_graph([make("mul", (param("a"), const(2.0)))]))
%0 = param 'a'  : real PER_EVALUATION
%1 = const 2.0  : real PER_COMPILE
%2 = mul %0, %1  : real PER_EVALUATION
out[0] = %2
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gpu_laddu.ir.nodes import Node, topo_order

_MAX_KEY = 72


def _attr(node: Node) -> str:
    if node.op == "const":
        return repr(node.attrs[0])
    if node.op in ("param", "amp"):
        return repr(node.attrs[0])
    if node.op == "column":
        src: Any = node.attrs[0]
        key = repr(tuple(src.key))
        if len(key) > _MAX_KEY:
            key = key[: _MAX_KEY - 3] + "..."
        return f"{type(src).__qualname__}{key} #{node.fingerprint[:8]}"
    return ", ".join(repr(a) for a in node.attrs)


def format_graph(outputs: Sequence[Node]) -> str:
    """The text of the graph reachable from ``outputs`` (no trailing newline)."""
    order = topo_order(outputs)
    index = {id(n): k for k, n in enumerate(order)}
    lines = []
    for k, node in enumerate(order):
        parts = [node.op]
        attr = _attr(node) if node.attrs else ""
        if attr:
            parts.append(attr)
        if node.inputs:
            parts.append(", ".join(f"%{index[id(i)]}" for i in node.inputs))
        lines.append(f"%{k} = {' '.join(parts)}  : {node.dtype} {node.eval_class.name}")
    lines.extend(f"out[{k}] = %{index[id(o)]}" for k, o in enumerate(outputs))
    return "\n".join(lines)


def format_dot(outputs: Sequence[Node]) -> str:
    """Graphviz DOT source of the graph (shared subexpressions drawn once), as laddu's ``Expr.dot()``.

    >>> from gpu_laddu.ir.nodes import make, param, const
    >>> print(format_dot([make("mul", (param("a"), const(2.0)))]).splitlines()[1])
      n0 [label="param 'a'"];
    """
    order = topo_order(outputs)
    index = {id(n): k for k, n in enumerate(order)}
    lines = ["digraph expression {"]
    for k, node in enumerate(order):
        label = f"{node.op} {_attr(node)}" if node.attrs else node.op
        lines.append(f"  n{k} [label={_dot_string(label)}];")
        lines.extend(f"  n{index[id(i)]} -> n{k};" for i in node.inputs)
    lines.append("}")
    return "\n".join(lines)


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def count_ops(outputs: Sequence[Node]) -> dict[str, int]:
    """Number of distinct nodes per op reachable from ``outputs``.

    >>> from gpu_laddu.ir.nodes import make, param
    >>> a, b = param("a"), param("b")
    >>> count_ops([make("add", (make("mul", (a, b)), make("mul", (a, b))))])["mul"]
    1
    """
    counts: dict[str, int] = {}
    for node in topo_order(outputs):
        counts[node.op] = counts.get(node.op, 0) + 1
    return counts
