"""A generated Numba kernel for rows of per-event matrix inverses (the numba backend's batched solve).

:func:`inverse_source` writes one ``njit(parallel=True)`` function that, per event, evaluates
the matrix elements from their per-event IR (the column leaves are its arguments), then
solves Aᵀ·x = e_row by Gaussian elimination with partial pivoting: x is row ``row`` of A⁻¹,
all that a solve whose result feeds one channel needs (a K-matrix amplitude reads one row).  It replaces
the interpreter + ``numpy.linalg.inv`` path of :mod:`gpu_laddu.language.inverse`, which
spends its time in thousands of small array operations.  Kernels are compiled once per
matrix graph and cached on disk like the likelihood kernels.

Examples
--------
>>> from gpu_laddu.ir.nodes import const
>>> src = inverse_source([const(2.0)], 1, [], 0)
>>> "prange" in src and "def gpu_laddu_inverse_row_" in src
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from cpu_fallback.frontier_kernel import lower_event_nodes
from cpu_fallback.numba_codegen import FASTMATH
from gpu_laddu.ir.nodes import Node, topo_order


def _name(nodes: Sequence[Node], n: int, row: int) -> str:
    digest = hashlib.sha256("|".join(x.fingerprint for x in nodes).encode() + f"{n},{row}".encode()).hexdigest()
    return f"gpu_laddu_inverse_row_{digest[:8]}"


def inverse_source(nodes: Sequence[Node], n: int, columns: Sequence[Node], row: int) -> str:
    """Source of ``kernel(c0, ..., w_all, out)``: ``out[i]`` = row ``row`` of the inverse of the
    ``n``×``n`` matrix whose row-major elements are ``nodes``, for every event ``i`` (the solution
    of Aᵀ·x = e_row by Gaussian elimination with partial pivoting); ``columns`` are the column leaves."""
    ref, body = lower_event_nodes(nodes, columns)
    args = ", ".join([*(f"c{k}" for k in range(len(columns))), "w_all", "out"])
    lines = [
        "import cmath", "import math", "import numpy as np", "from numba import njit, prange", "", "",
        f'@njit(parallel=True, cache=True, error_model="numpy", fastmath={FASTMATH})',
        f"def {_name(nodes, n, row)}({args}):",
        "    for i in prange(out.shape[0]):",
        *body,
        "        w = w_all[i]",
        "        x = out[i]",
    ]
    for k, node in enumerate(nodes):  # w = Aᵀ
        lines.append(f"        w[{k % n}, {k // n}] = {ref[id(node)]}")
    lines += [
        f"        for r in range({n}):",
        f"            x[r] = 1.0 if r == {row} else 0.0",
        f"        for k in range({n}):",
        "            p = k",
        "            best = abs(w[k, k])",
        f"            for r in range(k + 1, {n}):",
        "                v = abs(w[r, k])",
        "                if v > best:",
        "                    best = v",
        "                    p = r",
        "            if p != k:",
        f"                for c in range(k, {n}):",
        "                    tw = w[k, c]",
        "                    w[k, c] = w[p, c]",
        "                    w[p, c] = tw",
        "                tx = x[k]",
        "                x[k] = x[p]",
        "                x[p] = tx",
        "            inv_pivot = 1.0 / w[k, k]",
        f"            for r in range(k + 1, {n}):",
        "                f = w[r, k] * inv_pivot",
        f"                for c in range(k + 1, {n}):",
        "                    w[r, c] -= f * w[k, c]",
        "                x[r] -= f * x[k]",
        f"        for k in range({n} - 1, -1, -1):",
        "            acc = x[k]",
        f"            for c in range(k + 1, {n}):",
        "                acc -= w[k, c] * x[c]",
        "            x[k] = acc / w[k, k]",
    ]
    return "\n".join(lines) + "\n"


_KERNELS: dict[tuple[str, ...], Any] = {}


def batched_inverse_row(nodes: Sequence[Node], n: int, row: int, leaves: dict[Any, Any], n_events: int
                        ) -> np.ndarray:
    """(n_events, n) complex128: row ``row`` of the inverses of the per-event matrices with elements ``nodes``.

    ``leaves`` maps column-source keys to the arrays of the column leaves below ``nodes``.
    """
    from cpu_fallback.numba_engine import load_kernel

    columns = [c for c in topo_order(list(nodes)) if c.op == "column"]
    key = (*(x.fingerprint for x in nodes), str(n), str(row))
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = load_kernel(inverse_source(nodes, n, columns, row), _name(nodes, n, row))
    work = np.empty((n_events, n, n), dtype=np.complex128)
    out = np.empty((n_events, n), dtype=np.complex128)
    if n_events:
        kernel(*(np.ascontiguousarray(leaves[c.attrs[0].key]) for c in columns), work, out)
    return out
