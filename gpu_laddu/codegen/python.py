"""Python (and Numba) source of IR ops: the expression lowering shared by the Numba kernels and
the per-call host functions of parameter-only nodes (:func:`scalar_function`: the chain rule
of :mod:`gpu_laddu.codegen.chain`, the coefficients of the normalisation integrals).

Real nodes become ``float`` expressions, complex nodes ``complex`` expressions, using only
``math``, ``cmath`` and, in f32 event mode, ``np.complex64``/``np.float32``.  Event code
writes mixed real/complex products and complex divisions as real arithmetic without branches
(for the vectoriser); ``exact=True`` keeps Python's own operators, as the host functions do.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param
>>> PythonLowering(False).expr(make("norm_sqr", (make("complex", (param("x"), param("y"))),)), ["z"])
'(z.real * z.real + z.imag * z.imag)'
>>> f = scalar_function([make("mul", (param("y"), make("complex", (param("x"), param("y")))))], ["x", "y"])
>>> f([1.0, 2.0])
[(2+4j)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from gpu_laddu.codegen.plan import complex_input, lower
from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, topo_order
from gpu_laddu.ir.scalar_rules import ieee_scalar


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


class PythonLowering:
    """Expression of each op, given its arguments' source; ``wrap`` makes a complex of event precision."""

    def __init__(self, f32_event: bool, *, exact: bool = False) -> None:
        self.f32_event = f32_event
        self.exact = exact

    def wrap(self, expr: str) -> str:
        return f"np.complex64({expr})" if self.f32_event else expr

    def zero(self) -> str:
        return "np.float32(0.0)" if self.f32_event else "0.0"

    def one(self) -> str:
        return "np.float32(1.0)" if self.f32_event else "1.0"

    def expr(self, node: Node, args: list[str]) -> str:
        return lower(LOWER, "Python/Numba", self, node, args)


def _unary_math(name: str) -> Callable[[PythonLowering, Node, list[str]], str]:
    def rule(lw: PythonLowering, n: Node, a: list[str]) -> str:
        return f"{'cmath' if complex_input(n) else 'math'}.{name}({a[0]})"

    return rule


def _mul(lw: PythonLowering, n: Node, a: list[str]) -> str:
    x, y = n.inputs
    if x.dtype != y.dtype and not lw.exact:  # real × complex: two real products, not a complex one with a zero part
        r, z = (a[0], a[1]) if x.dtype == "real" else (a[1], a[0])
        return lw.wrap(f"complex({r} * {z}.real, {r} * {z}.imag)")
    return f"{a[0]} * {a[1]}"


def _div(lw: PythonLowering, n: Node, a: list[str]) -> str:
    x, y = n.inputs
    if lw.exact:
        return f"{a[0]} / {a[1]}"
    if y.dtype == "real":
        return lw.wrap(f"complex({a[0]}.real / {a[1]}, {a[0]}.imag / {a[1]})") if x.dtype == "complex" else \
            f"{a[0]} / {a[1]}"
    # x / y = x·conj(y) / |y|², without the branches of a scaled complex division (they stop vectorisation)
    d, yr, yi = f"({a[1]}.real * {a[1]}.real + {a[1]}.imag * {a[1]}.imag)", f"{a[1]}.real", f"{a[1]}.imag"
    if x.dtype == "real":
        return lw.wrap(f"complex({a[0]} * {yr} / {d}, -{a[0]} * {yi} / {d})")
    xr, xi = f"{a[0]}.real", f"{a[0]}.imag"
    return lw.wrap(f"complex(({xr} * {yr} + {xi} * {yi}) / {d}, ({xi} * {yr} - {xr} * {yi}) / {d})")


LOWER: dict[str, Callable[[PythonLowering, Node, list[str]], str]] = {
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
    "acos": lambda lw, n, a: f"math.acos({a[0]})",
    "atan2": lambda lw, n, a: f"math.atan2({a[0]}, {a[1]})",
    "cis": lambda lw, n, a: lw.wrap(f"complex(math.cos({a[0]}), math.sin({a[0]}))"),
    "to_complex": lambda lw, n, a: lw.wrap(f"complex({a[0]}, 0.0)"),
    "complex": lambda lw, n, a: lw.wrap(f"complex({a[0]}, {a[1]})"),
    "eq": lambda lw, n, a: f"({a[0]} == {a[1]}) * {lw.one()}",
    "add": lambda lw, n, a: f"{a[0]} + {a[1]}",
    "sub": lambda lw, n, a: f"{a[0]} - {a[1]}",
    "mul": _mul,
    "div": _div,
}


def scalar_source(outputs: Sequence[Node], parameters: Sequence[str]) -> str:
    """Python source of ``values(p)``: the list of ``outputs`` (parameter-only nodes) at the
    parameter values ``p`` (in ``parameters`` order).  Identifiers come from node numbers.

    >>> from gpu_laddu.ir.nodes import make, param, const
    >>> print(scalar_source([make("mul", (param("x"), const(2.0)))], ["x"]), end="")
    def values(p):
        t0 = p[0]
        t1 = t0 * 2.0
        return [t1]
    """
    names = tuple(parameters)
    lowering = PythonLowering(False, exact=True)
    ref: dict[int, str] = {}
    lines = ["def values(p):"]
    for n in topo_order(outputs):
        if n.op == "const":
            ref[id(n)] = literal(n.attrs[0])
            continue
        if n.op in ("column", "amp"):
            raise IRError(f"{n!r}: a host function takes parameter-only nodes")
        k = f"t{len(lines) - 1}"
        if n.op == "param":
            if n.attrs[0] not in names:
                raise IRError(f"{n!r}: parameter is neither free nor fixed")
            lines.append(f"    {k} = p[{names.index(n.attrs[0])}]")
        else:
            lines.append(f"    {k} = {lowering.expr(n, [ref[id(i)] for i in n.inputs])}")
        ref[id(n)] = k
    lines.append(f"    return [{', '.join(ref[id(o)] for o in outputs)}]")
    return "\n".join(lines) + "\n"


def scalar_function(outputs: Sequence[Node], parameters: Sequence[str]) -> Callable[[Sequence[float]], list[Any]]:
    """``values(p)`` of :func:`scalar_source`, compiled: host floats and complexes.

    Where Python's math raises (the square root of a negative float, a division by zero),
    the values are those of IEEE arithmetic (NaN, ±inf), as the kernels of every backend
    give them: the generated function runs, and only on such an error the nodes are
    evaluated one by one with :func:`~gpu_laddu.ir.scalar_rules.ieee_scalar`.

    >>> from gpu_laddu.ir.nodes import make, param
    >>> scalar_function([make("sqrt", (param("x"),))], ["x"])([-1.0])
    [nan]
    """
    namespace: dict[str, Any] = {}
    exec(compile("import cmath\nimport math\n" + scalar_source(outputs, parameters), "<gpu_laddu scalars>", "exec"),
         namespace)
    fast = namespace["values"]
    outputs, names = list(outputs), tuple(parameters)

    def values(p: Sequence[float]) -> list[Any]:
        try:
            return list(fast(p))
        except (ValueError, ArithmeticError):
            return ieee_values(outputs, dict(zip(names, p)))

    return values


def ieee_values(outputs: Sequence[Node], params: dict[str, float]) -> list[Any]:
    """The parameter-only ``outputs`` at ``params`` with IEEE arithmetic (slow: one node at a time).

    >>> from gpu_laddu.ir.nodes import make, param, const
    >>> ieee_values([make("div", (param("x"), const(0.0)))], {"x": -1.0})
    [-inf]
    """
    value: dict[int, Any] = {}
    for n in topo_order(outputs):
        if n.op == "const":
            value[id(n)] = n.attrs[0]
        elif n.op == "param":
            value[id(n)] = float(params[n.attrs[0]])
        else:
            value[id(n)] = ieee_scalar(n.op, *(value[id(i)] for i in n.inputs))
    return [value[id(o)] for o in outputs]
