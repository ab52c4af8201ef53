"""Numba lowering: Python source of one fused ``njit(parallel=True)`` likelihood kernel per graph.

The kernel computes, per event, the intensity and (when ``with_grad``) its derivatives, and
reduces in the same loop either Σ w·ln I and Σ w·∂I/I (``log_mode``, data) or Σ w·I and
Σ w·∂I (accepted MC), together with the number of events whose intensity is ≤ 0 or not
finite (log mode).  No per-event array is written.  Events are cut into chunks of
``CHUNK``; the chunks run in parallel (``prange``), each writing its sums into its own row
of ``partial`` (chunks × outputs), which the caller adds up, so the result does not depend
on the thread count.  Within a chunk, blocks of ``BLOCK`` events are summed plainly and the
block sums are added with Kahan compensation: the rounding error is that of a 64-term sum,
at 1/64 of the cost of compensating every term.

Uniform nodes (no column below them) are computed once per call, before the loop, in
float64; in f32 mode the ones used per event are converted once to float32/complex64, and
all per-event math is f32 while the sums stay float64.  Identifiers come from node numbers
(``u3``, ``e7``, ``c0``), never from names.  This module only writes source: it does not
import numba.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> from gpu_laddu.codegen.plan import make_plan
>>> plan = make_plan([make("mul", (param("a"), param("a"))), make("mul", (const(2.0), param("a")))], ["a"])
>>> src = emit_numba(plan, "f64")
>>> "parallel=True" in src and plan.name in src
True
"""

from __future__ import annotations

import math
from collections.abc import Callable

from gpu_laddu.codegen.plan import KernelPlan, complex_input, lower
from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node

CHUNK = 2048
BLOCK = 64
_TYPES = {"f64": ("float64", "complex128", "np.float64", "np.complex128"),
          "f32": ("float32", "complex64", "np.float32", "np.complex64")}


def _num(x: float) -> str:
    if math.isnan(x):
        return "math.nan"
    if math.isinf(x):
        return "math.inf" if x > 0 else "-math.inf"
    return repr(float(x))


def literal(value: complex | float) -> str:
    """Exact Python source of a float or complex constant.

    >>> literal(0.1), literal(complex(1.0, -2.5)), literal(float("inf"))
    ('0.1', 'complex(1.0, -2.5)', 'math.inf')
    """
    if isinstance(value, complex):
        return f"complex({_num(value.real)}, {_num(value.imag)})"
    return _num(value)


class _Lowering:
    """Expression of each op, given its arguments' source; ``wrap`` makes a complex of event precision."""

    def __init__(self, f32_event: bool) -> None:
        self.f32_event = f32_event

    def wrap(self, expr: str) -> str:
        return f"np.complex64({expr})" if self.f32_event else expr

    def zero(self) -> str:
        return "np.float32(0.0)" if self.f32_event else "0.0"

    def one(self) -> str:
        return "np.float32(1.0)" if self.f32_event else "1.0"

    def expr(self, node: Node, args: list[str]) -> str:
        return lower(LOWER, "Numba", self, node, args)


def _unary_math(name: str) -> Callable[[_Lowering, Node, list[str]], str]:
    def rule(lw: _Lowering, n: Node, a: list[str]) -> str:
        return f"{'cmath' if complex_input(n) else 'math'}.{name}({a[0]})"

    return rule


LOWER: dict[str, Callable[[_Lowering, Node, list[str]], str]] = {
    "neg": lambda lw, n, a: f"-{a[0]}",
    "conj": lambda lw, n, a: f"{a[0]}.conjugate()" if complex_input(n) else a[0],
    "real": lambda lw, n, a: f"{a[0]}.real" if complex_input(n) else a[0],
    "imag": lambda lw, n, a: f"{a[0]}.imag" if complex_input(n) else lw.zero(),
    "norm_sqr": lambda lw, n, a: (f"({a[0]}.real * {a[0]}.real + {a[0]}.imag * {a[0]}.imag)"
                                  if complex_input(n) else f"{a[0]} * {a[0]}"),
    "abs": lambda lw, n, a: f"abs({a[0]})",
    "sqrt": _unary_math("sqrt"),
    "exp": _unary_math("exp"),
    "log": _unary_math("log"),
    "sin": lambda lw, n, a: f"math.sin({a[0]})",
    "cos": lambda lw, n, a: f"math.cos({a[0]})",
    "cis": lambda lw, n, a: lw.wrap(f"complex(math.cos({a[0]}), math.sin({a[0]}))"),
    "to_complex": lambda lw, n, a: lw.wrap(f"complex({a[0]}, 0.0)"),
    "complex": lambda lw, n, a: lw.wrap(f"complex({a[0]}, {a[1]})"),
    "eq": lambda lw, n, a: f"({a[0]} == {a[1]}) * {lw.one()}",
    "add": lambda lw, n, a: f"{a[0]} + {a[1]}",
    "sub": lambda lw, n, a: f"{a[0]} - {a[1]}",
    "mul": lambda lw, n, a: f"{a[0]} * {a[1]}",
    "div": lambda lw, n, a: f"{a[0]} / {a[1]}",
}


class _Emitter:
    def __init__(self, plan: KernelPlan, precision: str) -> None:
        if precision not in _TYPES:
            raise IRError(f"precision must be 'f64' or 'f32', got {precision!r}")
        self.plan = plan
        self.f32 = precision == "f32"
        self.real_t, self.cplx_t, self.real_np, self.cplx_np = _TYPES[precision]
        self.uniform_lw = _Lowering(False)
        self.event_lw = _Lowering(self.f32)
        self.col_index = {id(c): j for j, c in enumerate(plan.columns)}

    def ref(self, node: Node, event: bool) -> str:
        k = self.plan.number(node)
        if self.plan.is_uniform(node):
            return f"v{k}" if event and self.f32 else f"u{k}"
        return f"e{k}"

    def real_ref(self, node: Node) -> str:
        r = self.ref(node, True)
        return f"{r}.real" if node.dtype == "complex" else r

    def uniform_line(self, node: Node) -> str:
        k = self.plan.number(node)
        if node.op == "const":
            return f"u{k} = {literal(node.attrs[0])}"
        if node.op == "param":
            return f"u{k} = p[{self.plan.param_slots[id(node)]}]"
        args = [self.ref(i, False) for i in node.inputs]
        return f"u{k} = {self.uniform_lw.expr(node, args)}"

    def event_line(self, node: Node) -> str:
        k = self.plan.number(node)
        if node.op == "column":
            return f"e{k} = c{self.col_index[id(node)]}[i]"
        args = [self.ref(i, True) for i in node.inputs]
        return f"e{k} = {self.event_lw.expr(node, args)}"

    def signature(self) -> str:
        cols = [f"{self.cplx_t if c.dtype == 'complex' else self.real_t}[::1]" for c in self.plan.columns]
        return f"void(float64[::1], float64[::1], {''.join(c + ', ' for c in cols)}int64, int64, float64[:, ::1])"

    def source(self) -> str:
        plan = self.plan
        n_grad = len(plan.outputs) - 1
        cols = "".join(f"c{j}, " for j in range(len(plan.columns)))
        out = [
            f'"""Generated by gpu_laddu: fused likelihood kernel {plan.name} ({"f32" if self.f32 else "f64"}).',
            "",
            "Do not edit: the file name is a hash of this text.",
            '"""',
            "import cmath",
            "import math",
            "",
            "import numpy as np",
            "from numba import njit, prange",
            "",
            f"CHUNK = {CHUNK}",
            f"BLOCK = {BLOCK}",
            "",
            "",
            f'@njit("{self.signature()}",',
            '      parallel=True, cache=True, error_model="numpy", nogil=True)',
            f"def {plan.name}(p, w, {cols}log_mode, with_grad, partial):",
            "    n = w.shape[0]",
        ]
        body = out.append
        for node in plan.uniform:
            body(f"    {self.uniform_line(node)}")
        if self.f32:
            for node in plan.casts:
                k = plan.number(node)
                body(f"    v{k} = {self.cplx_np if node.dtype == 'complex' else self.real_np}(u{k})")
        body("    for chunk in prange(partial.shape[0]):")
        body("        lo = chunk * CHUNK")
        body("        hi = min(lo + CHUNK, n)")
        for k in range(n_grad + 1):
            body(f"        s{k} = 0.0")
            body(f"        k{k} = 0.0")
        body("        bad = 0.0")
        body("        for block in range(lo, hi, BLOCK):")
        for k in range(n_grad + 1):
            body(f"            a{k} = 0.0")
        body("            for i in range(block, min(block + BLOCK, hi)):")
        body("                wi = w[i]")
        for node in plan.value_nodes:
            body(f"                {self.event_line(node)}")
        body(f"                val = {self.real_ref(plan.outputs[0])}")
        out.extend([
            "                if log_mode:",
            "                    if not (val > 0.0 and math.isfinite(val)):",
            "                        bad += 1.0",
            "                        continue",
            "                    f = math.log(val)",
            "                    sc = wi / val",
            "                else:",
            "                    f = val",
            "                    sc = wi",
            "                a0 += wi * f",
        ])
        if n_grad:
            body("                if with_grad:")
            for node in plan.grad_nodes:
                body(f"                    {self.event_line(node)}")
            for k, node in enumerate(plan.outputs[1:], start=1):
                body(f"                    a{k} += sc * {self.real_ref(node)}")
        for k in range(n_grad + 1):
            out.extend(_kahan("            ", k))
        for k in range(n_grad + 1):
            body(f"        partial[chunk, {k}] = s{k}")
        body(f"        partial[chunk, {n_grad + 1}] = bad")
        return "\n".join(out) + "\n"


def _kahan(indent: str, k: int) -> list[str]:
    """Add the block sum ``a<k>`` to the chunk sum ``s<k>`` with Kahan compensation ``k<k>``."""
    return [f"{indent}y = a{k} - k{k}", f"{indent}t = s{k} + y", f"{indent}k{k} = (t - s{k}) - y",
            f"{indent}s{k} = t"]


def emit_numba(plan: KernelPlan, precision: str = "f64") -> str:
    """Source of the module defining the fused kernel ``plan.name`` (see the module docstring)."""
    return _Emitter(plan, precision).source()
