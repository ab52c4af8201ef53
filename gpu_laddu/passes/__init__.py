"""Pure IR → IR passes run to a fixed point, and the analyses that follow them.

* :mod:`~gpu_laddu.passes.pipeline` — :class:`Pass`, :class:`Pipeline`, ``GPU_LADDU_DUMP_IR``;
* :mod:`~gpu_laddu.passes.cse` — canonical operand order of commutative ops;
* :mod:`~gpu_laddu.passes.fold` — constant folding, algebraic simplification, fixed parameters;
* :mod:`~gpu_laddu.passes.specialize` — activation masks;
* :mod:`~gpu_laddu.passes.split` — the precompute/evaluate split (PER_EVENT frontier → cache columns);
* :mod:`~gpu_laddu.passes.normalize` — recognition of normalisation-integral intensities;
* :mod:`~gpu_laddu.passes.standard` — the pipelines every evaluator runs.
"""

from gpu_laddu.passes.cse import cse
from gpu_laddu.passes.fold import fix_parameters, fold
from gpu_laddu.passes.normalize import Decomposition, decompose_intensity
from gpu_laddu.passes.pipeline import Pass, Pipeline
from gpu_laddu.passes.specialize import specialize_activation
from gpu_laddu.passes.split import split_per_event
from gpu_laddu.passes.standard import build_call_graph, specialize_graph

__all__ = [
    "Decomposition",
    "Pass",
    "Pipeline",
    "build_call_graph",
    "cse",
    "decompose_intensity",
    "fix_parameters",
    "fold",
    "specialize_activation",
    "specialize_graph",
    "split_per_event",
]
