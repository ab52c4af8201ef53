"""Per-event inverses of parameter-free matrices: one batched LAPACK call per dataset.

When every element of a matrix depends on events but on no free parameter (a K-matrix with
fixed poles, a rotation built from event four-vectors), :func:`inverse_elements` returns
its inverse as cache-column leaves (:class:`InverseElement`).  At load the first of them
evaluates the matrix elements with the reference interpreter and inverts all events' matrices
at once (``xp.linalg.inv``, partial pivoting); the others read the same result from the
load's memo.  A solve with a parameter-dependent right-hand side is then ``inverse @ rhs``,
linear in the parameters, which the ``factor_linear`` pass folds into a few cache columns.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.array([1.0, 2.0])}, ctx=ctx)
>>> x = gl.scalar("x")
>>> inv = inverse_elements(gl.matrix([[x, 1.0], [0.0, 2.0]]))
>>> gl.Model(inv.at(0, 0)).load(ds).evaluate([]).real.tolist()
[1.0, 0.5]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gpu_laddu.ir.expr import Expression
from gpu_laddu.ir.nodes import EvalClass, Node, column, iter_ops

if TYPE_CHECKING:
    from gpu_laddu.language.arrays import ExprArray


@dataclass(frozen=True, eq=False)
class InverseElement:
    """Column source: element ``(row, col)`` of the per-event inverse of ``matrix`` (row-major nodes)."""

    matrix: tuple[Node, ...]
    n: int
    row: int
    col: int
    dtype: str = field(default="complex")

    @property
    def key(self) -> tuple[Any, ...]:
        return ("inverse", tuple(m.fingerprint for m in self.matrix), self.n, self.row, self.col)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        key = ("inverse-row", tuple(m.fingerprint for m in self.matrix), self.row)
        if key not in memo:
            memo[key] = _batched_inverse_row(self.matrix, self.n, self.row, dataset, memo)
        xp = dataset.ctx.xp
        out = xp.ascontiguousarray(memo[key][:, self.col])
        return out if self.dtype == "complex" else xp.ascontiguousarray(out.real)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return leaf_columns(self.matrix)


def leaf_columns(nodes: tuple[Node, ...] | list[Node]) -> tuple[frozenset[str], frozenset[str]]:
    """(four-vector names, scalar names) that the column leaves below ``nodes`` read."""
    return _leaf_columns(tuple(nodes))


@functools.lru_cache(maxsize=256)
def _leaf_columns(nodes: tuple[Node, ...]) -> tuple[frozenset[str], frozenset[str]]:
    p4s: set[str] = set()
    scalars: set[str] = set()
    for leaf in iter_ops(nodes, "column"):
        a, b = leaf.attrs[0].required_columns()
        p4s |= a
        scalars |= b
    return frozenset(p4s), frozenset(scalars)


_SIMPLIFIED: dict[tuple[str, ...], list[Node]] = {}
TILE_EVENTS = 4096
"""Events per tile when evaluating the matrix elements (intermediates stay in the CPU caches)."""


def _batched_inverse_row(nodes: tuple[Node, ...], n: int, row: int, dataset: Any, memo: dict[Any, Any]) -> Any:
    """(events, n): row ``row`` of every event's inverse (one generated kernel on numba; else a batched
    inverse, shared by the rows through the memo)."""
    if dataset.ctx.backend == "numba":
        from cpu_fallback.matrix_kernel import batched_inverse_row

        simplified, leaves = _prepared(nodes, dataset, memo)
        return batched_inverse_row(simplified, n, row, leaves, dataset.n_events)
    whole = ("inverse", tuple(m.fingerprint for m in nodes))
    if whole not in memo:
        memo[whole] = _batched_inverse(nodes, n, dataset, memo)
    return memo[whole][:, row, :]


def _prepared(nodes: tuple[Node, ...], dataset: Any, memo: dict[Any, Any]) -> tuple[list[Node], dict[Any, Any]]:
    """The matrix elements simplified once (shared symmetric entries, folded constants) and their leaves."""
    from gpu_laddu.passes.cse import cse
    from gpu_laddu.passes.fold import fold

    key = tuple(x.fingerprint for x in nodes)
    simplified = _SIMPLIFIED.get(key)
    if simplified is None:
        simplified = _SIMPLIFIED[key] = fold(cse(fold(list(nodes))))
    leaves = {leaf.attrs[0].key: leaf.attrs[0].compute(dataset, memo) for leaf in iter_ops(simplified, "column")}
    return simplified, leaves


def _batched_inverse(nodes: tuple[Node, ...], n: int, dataset: Any, memo: dict[Any, Any]) -> Any:
    import numpy as np

    from cpu_fallback.interpreter import Program

    ctx, xp = dataset.ctx, dataset.ctx.xp
    n_events = dataset.n_events
    simplified, leaves = _prepared(nodes, dataset, memo)
    program = Program(simplified, ctx, dtypes=(np.float64, np.complex128))
    stacked = xp.empty((n_events, n, n), dtype=xp.complex128)
    tile = n_events if ctx.backend_impl.device_kind != "cpu" else TILE_EVENTS
    for lo in range(0, n_events, max(tile, 1)):
        hi = min(lo + tile, n_events)
        part = {key: column[lo:hi] for key, column in leaves.items()}
        for k, v in enumerate(program.run(part, {}, hi - lo)):
            stacked[lo:hi, k // n, k % n] = v
    if n_events == 0:
        return stacked
    try:
        return xp.linalg.inv(stacked)
    except np.linalg.LinAlgError:  # an exactly singular event: the pseudo-inverse, event by event
        return xp.linalg.pinv(stacked)


def inverse_elements(a: ExprArray) -> ExprArray | None:
    """The inverse of the square matrix ``a`` as cache-column leaves, or None when ``a`` depends on a
    free parameter or on no event (then a symbolic solve is exact and cheap)."""
    from gpu_laddu.language.arrays import ExprArray

    nodes = tuple(e.node for e in a.elements)
    classes = {node.eval_class for node in nodes}
    if EvalClass.PER_EVALUATION in classes or EvalClass.PER_EVENT not in classes:
        return None
    n = a.shape[0]
    dtype = "complex" if any(node.dtype == "complex" for node in nodes) else "real"
    elems = [Expression(column(InverseElement(nodes, n, i, j, dtype))) for i in range(n) for j in range(n)]
    return ExprArray(elems, (n, n))
