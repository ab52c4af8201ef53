"""Code generation from the optimised IR: one lowering table per target.

* ``cuda`` — :mod:`gpu_laddu.codegen.cuda`: CUDA C for a CuPy ``RawKernel``;
* ``numba`` — :mod:`cpu_fallback.numba_codegen`: Python source of a serial ``njit(nogil=True)``
  kernel run on several threads.

Both lower the same :class:`gpu_laddu.codegen.plan.KernelPlan` of the per-call graph.

Examples
--------
>>> import gpu_laddu as gl
>>> a = gl.parameter("a")
>>> src = kernel_source(gl.Model(gl.Scalar("S", a).norm_sqr()), "cuda")
>>> "__global__" in src and "gpu_laddu_nll_" in src
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gpu_laddu.codegen.cuda import emit_cuda
from gpu_laddu.codegen.plan import KernelPlan, make_plan
from gpu_laddu.errors import ModelError
from gpu_laddu.passes.standard import build_call_graph, specialize_graph

__all__ = ["KernelPlan", "kernel_plan", "kernel_source"]


def kernel_plan(model: Any, active: Iterable[str] | None = None) -> KernelPlan:
    """The kernel plan of ``model``'s per-call graph with the named amplitudes active (default: all)."""
    _, graph = build_call_graph(model.expression.node, model.parameters, model.fixed, with_gradient=False)
    names = frozenset(model.amplitudes if active is None else active)
    unknown = sorted(names - set(model.amplitudes))
    if unknown:
        raise ModelError(f"unknown amplitude name(s) {unknown}; the model has {list(model.amplitudes)}")
    return make_plan(specialize_graph(graph, names)[0], model.parameters)


def kernel_source(model: Any, target: str = "cuda", precision: str = "f64",
                  active: Iterable[str] | None = None) -> str:
    """Generated source of ``model``'s fused likelihood kernel.

    Parameters
    ----------
    model : Model
    target : {"cuda", "numba"}
    precision : {"f64", "f32"}
        Per-event arithmetic (sums are always double).
    active : iterable of str, optional
        Active amplitudes (default: all); inactive ones are folded away.
    """
    if target not in ("cuda", "numba"):
        raise ModelError(f"unknown kernel target {target!r}; use 'cuda' or 'numba'")
    if precision not in ("f64", "f32"):
        raise ModelError(f"precision must be 'f64' or 'f32', not {precision!r}")
    plan = kernel_plan(model, active)
    if target == "cuda":
        return emit_cuda(plan, precision)
    from cpu_fallback.numba_codegen import emit_numba

    return emit_numba(plan, precision)
