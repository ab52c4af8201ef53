"""The target-independent part of code generation: what a fused likelihood kernel computes.

A :class:`KernelPlan` describes the per-call value (already specialised and split) as a
kernel: the value and its reverse-mode adjoint sums (:mod:`gpu_laddu.ir.adjoint`; the
gradient follows from them by :mod:`gpu_laddu.codegen.chain` once per call), its argument
columns, the *uniform* nodes (no column below them: computed once per call, before the
event loop), the event nodes needed for the value and those needed only for the adjoints,
and the index of every free parameter in the parameter array.  Every identifier an emitter
writes comes from a node's position in this plan, never from a name: parameter and amplitude
names cannot reach generated source.

Kernels are named ``gpu_laddu_<kind>_<hash8>`` with ``hash8`` the first 8 hex digits of the
graph fingerprint, so that they are readable in profiles.

``make_plan(..., gradient=False)`` plans the *value-only* variant (kind ``val``): the same
value nodes, no adjoint sweep and a single sum (plus the bad-intensity count).  Likelihood
engines use it for the calls that ask for the value alone (Migrad's line search: most of a
fit's calls), so that those cost one forward pass.  Every emitter lowers it unchanged.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> plan = make_plan(make("mul", (param("a"), const(2.0))), ("a",))
>>> plan.name.startswith("gpu_laddu_nll_"), len(plan.columns), plan.n_out
(True, 0, 3)
>>> value_only = make_plan(make("mul", (param("a"), const(2.0))), ("a",), gradient=False)
>>> value_only.name.startswith("gpu_laddu_val_"), value_only.n_out, value_only.grad_nodes
(True, 2, ())
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import IRError
from gpu_laddu.ir.adjoint import reverse_adjoint
from gpu_laddu.ir.nodes import Node, graph_fingerprint, topo_order
from gpu_laddu.passes.cse import cse
from gpu_laddu.passes.pipeline import Pass, Pipeline

KIND = "nll"
#: kind of the value-only variant
VALUE_KIND = "val"


def kernel_name(kind: str, fingerprint: str) -> str:
    """``gpu_laddu_<kind>_<hash8>`` (``kind`` is a fixed library word, never a user string).

    >>> kernel_name("nll", "0123456789abcdef")
    'gpu_laddu_nll_01234567'
    """
    if not kind.isidentifier() or not kind.isascii():
        raise IRError(f"kernel kind must be an ASCII identifier, got {kind!r}")
    return f"gpu_laddu_{kind}_{fingerprint[:8]}"


def complex_input(node: Node) -> bool:
    """True when the node's first input is complex (lowering rules branch on it)."""
    return node.inputs[0].dtype == "complex"


def lower(table: Mapping[str, Callable[[Any, Node, list[str]], str]], target: str, lowering: Any, node: Node,
          args: list[str]) -> str:
    """Source of ``node`` from ``table``, or an :class:`IRError` naming the op and the target."""
    rule = table.get(node.op)
    if rule is None:
        raise IRError(f"the {target} code generator has no rule for IR op {node.op!r} ({node!r})")
    return rule(lowering, node, args)


def event_dependence(nodes: Sequence[Node]) -> dict[int, bool]:
    """Map ``id(node)`` → whether a ``column`` leaf lies below it, for every node reachable."""
    dep: dict[int, bool] = {}
    for n in topo_order(nodes):
        dep[id(n)] = n.op == "column" or any(dep[id(i)] for i in n.inputs)
    return dep


@dataclass(frozen=True)
class KernelPlan:
    """A fused value + gradient kernel over the events of one dataset.

    Attributes
    ----------
    name : str
        ``gpu_laddu_nll_<hash8>``.
    fingerprint : str
        Fingerprint of ``outputs``.
    key : str
        Cache key: the fingerprint plus the parameter order (hashed; names stay out of sources).
    outputs : tuple of Node
        The value, then the real per-event adjoint sums (see :attr:`slots`).
    order : tuple of Node
        All nodes, topological; a node's number is its position here.
    columns : tuple of Node
        Column leaves in kernel-argument order.
    uniform : tuple of Node
        Event-independent nodes (parameters, constants and math on them), topological.
    value_nodes, grad_nodes : tuple of Node
        Event-dependent nodes needed by the value / only by the adjoints, topological.
    casts : tuple of Node
        Uniform nodes read by event nodes or accumulated directly (converted once per call
        to the event precision).
    param_slots : dict
        ``id(param node)`` → index into the parameter array.
    numbers : dict
        ``id(node)`` → position in :attr:`order`.
    uniform_ids : frozenset
        ``id`` of the uniform nodes.
    parameters : tuple of str
        Free parameter names in parameter-array order.
    boundary : tuple of Node
        Uniform nodes whose adjoints the kernel sums.
    slots : tuple of (int, int or None)
        Per boundary node, the output indices of the real and imaginary part of its adjoint.
    """

    name: str
    fingerprint: str
    key: str
    outputs: tuple[Node, ...]
    order: tuple[Node, ...]
    columns: tuple[Node, ...]
    uniform: tuple[Node, ...]
    value_nodes: tuple[Node, ...]
    grad_nodes: tuple[Node, ...]
    casts: tuple[Node, ...]
    param_slots: dict[int, int]
    numbers: dict[int, int]
    uniform_ids: frozenset[int]
    parameters: tuple[str, ...]
    boundary: tuple[Node, ...]
    slots: tuple[tuple[int, int | None], ...]

    @property
    def n_out(self) -> int:
        """Sums the kernel returns: one per output plus the bad-intensity count."""
        return len(self.outputs) + 1

    def number(self, node: Node) -> int:
        """The node's number (its position in :attr:`order`)."""
        return self.numbers[id(node)]

    def is_uniform(self, node: Node) -> bool:
        """True for nodes computed before the event loop."""
        return id(node) in self.uniform_ids

    def identifier(self, node: Node, in_event_loop: bool, f32: bool) -> str:
        """The variable holding ``node`` in generated code, every target alike: ``u<k>`` a uniform
        node, ``v<k>`` its float32 copy read by f32 event code, ``e<k>`` an event node.

        >>> from gpu_laddu.ir.nodes import param
        >>> make_plan(param("a"), ("a",)).identifier(param("a"), True, True)
        'v0'
        """
        k = self.number(node)
        if self.is_uniform(node):
            return f"v{k}" if in_event_loop and f32 else f"u{k}"
        return f"e{k}"


#: The adjoint outputs only get CSE: folding would reassociate products such as
#: adjoint(S)·conj(B) and lose the sharing of adjoint(S).
ADJOINT = Pipeline([Pass("cse", cse)], name="adjoint")


def _register_order(outputs: Sequence[Node]) -> list[Node]:
    """Topological order that evaluates the input needing more temporaries first (Sethi–Ullman),
    so fewer values are live at once in the emitted straight-line code."""
    need: dict[int, int] = {}
    for n in topo_order(outputs):
        ks = sorted((need[id(i)] for i in n.inputs), reverse=True)
        need[id(n)] = max([1] + [k + j for j, k in enumerate(ks)])
    return topo_order(outputs, lambda n: sorted(n.inputs, key=lambda c: need[id(c)])[::-1])


def make_plan(value: Node, parameters: Sequence[str], kind: str | None = None, *,
              gradient: bool = True) -> KernelPlan:
    """Plan the fused value + adjoint kernel of the real per-call ``value`` with free ``parameters``
    (``gradient=False``: the value-only kernel, kind ``val`` unless ``kind`` is given)."""
    parameters = tuple(parameters)
    kind = kind if kind is not None else (KIND if gradient else VALUE_KIND)
    if gradient:
        adjoint = reverse_adjoint(value)
        outputs = tuple(ADJOINT.run(list(adjoint.outputs)))
        boundary, slots = adjoint.boundary, adjoint.slots
    else:
        outputs, boundary, slots = (value,), (), ()
    order = tuple(_register_order(outputs))
    dep = event_dependence(outputs)
    param_slots: dict[int, int] = {}
    for n in order:
        if n.op == "amp":
            raise IRError(f"{n!r}: specialise activation before generating a kernel")
        if n.op == "param":
            if n.attrs[0] not in parameters:
                raise IRError(f"{n!r}: parameter is neither free nor fixed")
            param_slots[id(n)] = parameters.index(n.attrs[0])
    value_reach = {id(n) for n in topo_order(outputs[:1])}
    uniform = tuple(n for n in order if not dep[id(n)])
    value_nodes = tuple(n for n in order if dep[id(n)] and id(n) in value_reach)
    grad_nodes = tuple(n for n in order if dep[id(n)] and id(n) not in value_reach)
    columns = tuple(n for n in (*value_nodes, *grad_nodes) if n.op == "column")
    cast_ids = {id(i) for n in order if dep[id(n)] for i in n.inputs if not dep[id(i)]}
    cast_ids |= {id(o) for o in outputs if not dep[id(o)]}
    casts = tuple(n for n in uniform if id(n) in cast_ids)
    fingerprint = graph_fingerprint(outputs)
    key = hashlib.sha256("\x00".join((kind, fingerprint, *parameters)).encode()).hexdigest()
    return KernelPlan(kernel_name(kind, fingerprint), fingerprint, key, outputs, order, columns, uniform,
                      value_nodes, grad_nodes, casts, param_slots, {id(n): k for k, n in enumerate(order)},
                      frozenset(id(n) for n in uniform), parameters, boundary, slots)


@functools.lru_cache(maxsize=64)
def cached_plan(value: Node, parameters: tuple[str, ...], gradient: bool = True) -> KernelPlan:
    """:func:`make_plan` memoised on the (interned) value node and the parameter order: the engines
    of every dataset and row group of a model share one plan per kernel.

    >>> from gpu_laddu.ir.nodes import param
    >>> cached_plan(param("a"), ("a",)) is cached_plan(param("a"), ("a",))
    True
    """
    return make_plan(value, parameters, gradient=gradient)

