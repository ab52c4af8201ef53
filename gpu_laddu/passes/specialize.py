"""Activation specialisation: deactivated amplitudes become zero, active ones lose their gate.

The result still needs folding (the pipeline of :func:`gpu_laddu.passes.standard.specialize_graph`
does it), after which every subgraph that only fed a deactivated amplitude is gone.  An
evaluator keeps one specialised graph (and its compiled kernels) per activation mask, so
switching back to a mask seen before costs no recompile.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param
>>> a = make("amp", (make("to_complex", (param("x"),)),), ("A",))
>>> b = make("amp", (make("to_complex", (param("y"),)),), ("B",))
>>> (out,) = specialize_activation([make("add", (a, b))], frozenset({"A"}))
>>> [i.op for i in out.inputs]
['to_complex', 'const']
"""

from __future__ import annotations

from gpu_laddu.ir.nodes import Node, const, make, rebuild


def specialize_activation(outputs: list[Node], active: frozenset[str]) -> list[Node]:
    """Replace ``amp`` gates: the input for active names, a zero of the same dtype otherwise."""

    def replace(node: Node, inputs: tuple[Node, ...]) -> Node:
        if node.op == "amp":
            if node.attrs[0] in active:
                return inputs[0]
            return const(0j) if node.dtype == "complex" else const(0.0)
        return node if inputs == node.inputs else make(node.op, inputs, node.attrs)

    return rebuild(list(outputs), replace)
