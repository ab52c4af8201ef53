"""The standard compilation of a model: the pipelines every evaluator runs.

1. ``load``: fix parameters (they become constants), CSE, fold, factor parameter-linear
   regions (:mod:`gpu_laddu.passes.factor`) — on the value;
2. the analytic gradient (one derivative graph per free parameter) is appended;
3. ``gradient``: CSE and fold on [value, derivatives...];
4. ``split``: the PER_EVENT frontier becomes cache columns (computed once per dataset);
5. ``specialize`` (per activation mask, at the first call with that mask): deactivated
   amplitudes become zero, then CSE and fold remove their subgraphs.

Every stage can be printed with ``GPU_LADDU_DUMP_IR=after:<stage or pass>``.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> a, b = param("a"), param("b")
>>> frontier, graph = build_call_graph(make("mul", (a, b)), ["a"], {"b": 3.0})
>>> [n.op for n in graph], graph[1].value
(['mul', 'const'], 3.0)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence

from gpu_laddu.ir.grad import gradient
from gpu_laddu.ir.nodes import Node
from gpu_laddu.passes.cse import cse
from gpu_laddu.passes.factor import factor_linear
from gpu_laddu.passes.fold import fix_parameters, fold
from gpu_laddu.passes.pipeline import DUMP_ENV, Pass, Pipeline, maybe_dump
from gpu_laddu.passes.specialize import specialize_activation
from gpu_laddu.passes.split import split_per_event

CSE = Pass("cse", cse)
FOLD = Pass("fold", fold)
FACTOR = Pass("factor_linear", factor_linear)


def fix_parameters_pass(values: Mapping[str, float]) -> Pass:
    """The pass replacing the named parameters by constants."""
    frozen = dict(values)
    return Pass("fix_parameters", lambda outputs: fix_parameters(outputs, frozen))


def specialize_pass(active: frozenset[str]) -> Pass:
    """The pass folding every amplitude not in ``active`` to zero."""
    return Pass("specialize", lambda outputs: specialize_activation(outputs, active))


def build_call_graph(value: Node, free: Sequence[str], fixed: Mapping[str, float], with_gradient: bool = True
                     ) -> tuple[list[Node], list[Node]]:
    """(frontier nodes to precompute, per-call graph [value, d/d free_0, ...] reading them).

    With ``with_gradient=False`` the per-call graph is ``[value]`` alone.  Nodes are interned,
    so the result is kept per (value, free, fixed, with_gradient): the data and accepted-MC
    evaluators of a likelihood compile the model once (not when ``GPU_LADDU_DUMP_IR`` asks to
    see the passes run).
    """
    key = (value, tuple(free), tuple(sorted(fixed.items())), with_gradient)
    if os.environ.get(DUMP_ENV):
        return _build_call_graph.__wrapped__(*key)
    frontier, graph = _build_call_graph(*key)
    return list(frontier), list(graph)


@functools.lru_cache(maxsize=64)
def _build_call_graph(value: Node, free: tuple[str, ...], fixed: tuple[tuple[str, float], ...], with_gradient: bool
                      ) -> tuple[list[Node], list[Node]]:
    (value,) = Pipeline([fix_parameters_pass(dict(fixed)), CSE, FOLD, FACTOR], name="load").run([value])
    derivatives = gradient(value, list(free)) if with_gradient else []
    graph = Pipeline([CSE, FOLD], name="gradient").run([value, *derivatives])
    frontier, graph = split_per_event(graph)
    maybe_dump("split", graph, "per-call graph")
    return frontier, graph


def specialize_graph(graph: Sequence[Node], active: frozenset[str]) -> list[Node]:
    """The per-call graph for one activation mask (inactive amplitudes and their subgraphs removed)."""
    return Pipeline([specialize_pass(active), CSE, FOLD], name="specialize").run(graph)
