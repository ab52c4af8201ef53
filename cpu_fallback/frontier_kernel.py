"""A generated Numba kernel for large per-event precompute graphs (the numba backend's frontier).

The cache columns of a model are its PER_EVENT frontier, evaluated once per dataset.  The
reference interpreter does it with one whole-array operation per IR node, which is fine for a
handful of nodes but slow for the hundreds that a hand-written K-matrix or reaction produces
(each operation streams its arrays through memory).  :class:`FrontierKernel` evaluates the
same graph in one fused ``njit(parallel=True)`` loop over events instead, writing only the
outputs; it is used when the graph has at least :data:`MIN_NODES` operations (below that the
compile is not worth it) and is cached on disk like the likelihood kernels.  It has the
interpreter's ``run`` interface.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, const
>>> src = frontier_source([make("mul", (const(2.0), const(3.0)))], [], "demo")
>>> "prange" in src
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cpu_fallback.numba_codegen import FASTMATH
from gpu_laddu.codegen.python import PythonLowering, literal
from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, topo_order

MIN_NODES = 64
"""Operations in a frontier graph from which a generated kernel replaces the interpreter."""


def lower_event_nodes(outputs: Sequence[Node], columns: Sequence[Node]) -> tuple[dict[int, str], list[str]]:
    """Per-event Python statements computing ``outputs`` inside a loop over ``i``: (node id → the
    expression or temporary that holds it, the statements); column leaves read ``c<k>[i]``."""
    lw = PythonLowering(False)
    col = {id(c): k for k, c in enumerate(columns)}
    ref: dict[int, str] = {}
    body: list[str] = []
    for node in topo_order(list(outputs)):
        if node.op == "const":
            ref[id(node)] = literal(node.attrs[0])
        elif node.op == "column":
            ref[id(node)] = f"c{col[id(node)]}[i]"
        elif node.op in ("param", "amp"):
            raise IRError(f"{node!r}: a precompute kernel takes parameter-free nodes")
        else:
            t = f"t{len(body)}"
            body.append(f"        {t} = {lw.expr(node, [ref[id(x)] for x in node.inputs])}")
            ref[id(node)] = t
    return ref, body


def frontier_source(outputs: Sequence[Node], columns: Sequence[Node], name: str) -> str:
    """Source of ``name(c0, ..., o0, ...)``: per event, every output node of ``outputs`` from the
    column leaves ``columns`` (outputs that are leaves are not written)."""
    ref, body = lower_event_nodes(outputs, columns)
    written = [o for o in outputs if o.op != "column"]
    args = ", ".join([*(f"c{k}" for k in range(len(columns))), *(f"o{k}" for k in range(len(written)))])
    lines = ["import cmath", "import math", "import numpy as np", "from numba import njit, prange", "", "",
             f'@njit(parallel=True, cache=True, error_model="numpy", fastmath={FASTMATH})',
             f"def {name}({args}):",
             f"    for i in prange({'o0' if written else 'c0'}.shape[0]):", *body]
    lines += [f"        o{k}[i] = {ref[id(o)]}" for k, o in enumerate(written)]
    return "\n".join(lines) + "\n"


def _op_count(outputs: Sequence[Node]) -> int:
    return sum(1 for n in topo_order(list(outputs)) if n.op not in ("const", "column"))


class FrontierKernel:
    """The frontier ``outputs`` evaluated by one generated Numba kernel (interface of the interpreter's Program)."""

    def __init__(self, outputs: list[Node]) -> None:
        from cpu_fallback.numba_engine import load_kernel

        self.outputs = list(outputs)
        self.columns = [n for n in topo_order(self.outputs) if n.op == "column"]
        self.written = [o for o in self.outputs if o.op != "column"]
        digest = hashlib.sha256("|".join(o.fingerprint for o in self.outputs).encode()).hexdigest()[:8]
        name = f"gpu_laddu_precompute_{digest}"
        self.kernel = load_kernel(frontier_source(self.outputs, self.columns, name), name)

    def run(self, columns: Mapping[Any, Any], params: Mapping[str, float], n_events: int) -> list[Any]:
        """The output arrays (float64/complex128; leaf outputs are the given columns themselves)."""
        outs = {id(o): np.empty(n_events, dtype=np.complex128 if o.dtype == "complex" else np.float64)
                for o in self.written}
        if n_events:
            self.kernel(*(np.ascontiguousarray(columns[c.attrs[0].key]) for c in self.columns),
                        *(outs[id(o)] for o in self.written))
        return [outs[id(o)] if o.op != "column" else columns[o.attrs[0].key] for o in self.outputs]


def frontier_program(outputs: list[Node], ctx: Any, dtypes: tuple[Any, Any]) -> Any:
    """A generated kernel for a large frontier on the numba backend, else the reference interpreter."""
    from cpu_fallback.interpreter import Program

    if ctx.backend == "numba" and _op_count(outputs) >= MIN_NODES:
        return FrontierKernel(outputs)
    return Program(outputs, ctx, dtypes=dtypes)
