"""The NumPy reference interpreter of the IR — the oracle every backend is tested against.

A :class:`Program` is an evaluation plan for a list of output nodes: nodes that depend on
no event column ("uniform") are computed once per call as host scalars, with IEEE results
(NaN, ±inf) where Python's math would raise, as the kernels of every backend; event-dependent
nodes are computed with whole-array operations of the context's namespace ``xp`` (numpy or
cupy), writing into buffers of the context's scratch pool so that repeated calls allocate
nothing.  Returned arrays may alias those buffers: copy what must outlive the next call.

Examples
--------
>>> import numpy as np
>>> import gpu_laddu as gl
>>> from gpu_laddu.ir.nodes import param, make, const
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> x = param("x")
>>> prog = Program([make("mul", (x, const(3.0)))], ctx)
>>> prog.run({}, {"x": 2.0}, n_events=0)[0]
6.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, topo_order
from gpu_laddu.ir.scalar_rules import SCALAR_RULES as _SCALAR
from gpu_laddu.ir.scalar_rules import ieee_scalar


def _norm_sqr(xp: Any, a: Any, out: Any) -> Any:
    if a.dtype.kind != "c":
        return xp.multiply(a, a, out=out)
    re, im = a.real, a.imag
    xp.multiply(re, re, out=out)
    out += im * im
    return out


def _cis(xp: Any, a: Any, out: Any) -> Any:
    out.real = xp.cos(a)
    out.imag = xp.sin(a)
    return out


def _complex(xp: Any, a: Any, b: Any, out: Any) -> Any:
    out.real = a
    out.imag = b
    return out


def _to_complex(xp: Any, a: Any, out: Any) -> Any:
    out.real = a
    out.imag = 0.0
    return out


_ARRAY: dict[str, Callable[..., Any]] = {
    "neg": lambda xp, a, out: xp.negative(a, out=out),
    "conj": lambda xp, a, out: xp.conjugate(a, out=out),
    "real": lambda xp, a, out: xp.copyto(out, xp.real(a)) or out,
    "imag": lambda xp, a, out: xp.copyto(out, xp.imag(a)) or out,
    "norm_sqr": _norm_sqr,
    "abs": lambda xp, a, out: xp.abs(a, out=out),
    "sqrt": lambda xp, a, out: xp.sqrt(a, out=out),
    "exp": lambda xp, a, out: xp.exp(a, out=out),
    "log": lambda xp, a, out: xp.log(a, out=out),
    "sin": lambda xp, a, out: xp.sin(a, out=out),
    "cos": lambda xp, a, out: xp.cos(a, out=out),
    "acos": lambda xp, a, out: xp.arccos(a, out=out),
    "atan2": lambda xp, a, b, out: xp.arctan2(a, b, out=out),
    "cis": _cis,
    "to_complex": _to_complex,
    "complex": _complex,
    "eq": lambda xp, a, b, out: xp.copyto(out, xp.equal(a, b)) or out,
    "add": lambda xp, a, b, out: xp.add(a, b, out=out),
    "sub": lambda xp, a, b, out: xp.subtract(a, b, out=out),
    "mul": lambda xp, a, b, out: xp.multiply(a, b, out=out),
    "div": lambda xp, a, b, out: xp.divide(a, b, out=out),
}


class Program:
    """Evaluation plan of ``outputs`` on one context.

    Parameters
    ----------
    outputs : list of Node
    ctx : ExecutionContext
        Provides ``xp``, the dtypes and the scratch pool.
    active : set of str, optional
        Active amplitude names; ``amp`` nodes of other names evaluate to 0.  ``None``: all.
    dtypes : (real dtype, complex dtype), optional
        Dtypes of event arrays (default: the context's precision).
    """

    def __init__(self, outputs: list[Node], ctx: Any, active: frozenset[str] | None = None,
                 dtypes: tuple[Any, Any] | None = None) -> None:
        self.outputs = list(outputs)
        self.ctx = ctx
        self.active = active
        self.dtypes = dtypes or (ctx.real_dtype, ctx.complex_dtype)
        self.order = topo_order(self.outputs)
        self._uniform: dict[int, bool] = {}
        for node in self.order:
            if node.op not in _SCALAR and node.op not in ("const", "param", "column", "amp"):
                raise IRError(f"the NumPy interpreter has no rule for IR op {node.op!r} ({node!r})")
            self._uniform[id(node)] = node.op != "column" and all(self._uniform[id(i)] for i in node.inputs)
        self._tag = f"interp:{id(self)}"

    def run(self, columns: Mapping[Any, Any], params: Mapping[str, float], n_events: int) -> list[Any]:
        """Evaluate; ``columns`` maps column-source keys to arrays, ``params`` names to floats."""
        xp = self.ctx.xp
        real_dt, complex_dt = self.dtypes
        values: dict[int, Any] = {}
        for index, node in enumerate(self.order):
            op = node.op
            if op == "const":
                v: Any = node.attrs[0]
            elif op == "param":
                try:
                    v = float(params[node.attrs[0]])
                except KeyError:
                    raise IRError(f"no value for parameter {node.attrs[0]!r}") from None
            elif op == "column":
                v = columns[node.attrs[0].key]
            elif op == "amp":
                if self.active is None or node.attrs[0] in self.active:
                    v = values[id(node.inputs[0])]
                else:
                    v = 0j if node.dtype == "complex" else 0.0
            elif self._uniform[id(node)]:
                v = ieee_scalar(op, *(values[id(i)] for i in node.inputs))  # NaN/inf as a kernel gives
            else:
                args = [values[id(i)] for i in node.inputs]
                dtype = complex_dt if node.dtype == "complex" else real_dt
                out = self.ctx.scratch.get(f"{self._tag}:{index}", (n_events,), dtype)
                if node.dtype == "real" and any(getattr(a, "dtype", None) is not None and a.dtype.kind == "c"
                                                 for a in args) and op not in ("real", "imag", "norm_sqr", "abs"):
                    raise IRError(f"real node {node!r} has complex array input")
                v = _ARRAY[op](xp, *args, out=out)
            values[id(node)] = v
        return [values[id(o)] for o in self.outputs]

