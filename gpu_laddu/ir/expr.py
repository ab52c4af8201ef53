"""The user-facing expression algebra, built on IR nodes.

An :class:`Expression` wraps one IR node together with the metadata the node does not
carry: the parameters it uses (in first-appearance order, with initial values and bounds)
and the amplitudes it contains (names must be unique).  Expressions combine with
``+ - * /``, unary ``-``, numbers (real or complex), and ``.real() .imag() .conj()
.norm_sqr()``.

Examples
--------
>>> a = parameter("a", initial=1.0, bounds=(0.0, 2.0))
>>> e = (a * 2 + 1j).norm_sqr()
>>> e.parameter_names
('a',)
>>> e.node.dtype, e.node.eval_class.name
('real', 'PER_EVALUATION')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from gpu_laddu.errors import ExpressionTypeError, ModelError, ParameterError
from gpu_laddu.ir.nodes import Node, const, make, param


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter's definition: name, initial value, bounds, an optional fixed value and labels.

    ``fixed`` (a float) makes the parameter start fixed in a :class:`~gpu_laddu.Model`;
    ``initial_range`` is laddu's ``initial=(low, high)`` (the initial value is its midpoint);
    ``periodic``, ``scale``, ``unit``, ``latex`` and ``description`` are carried for
    minimisers and reports.
    """

    name: str
    initial: float | None = None
    bounds: tuple[float | None, float | None] | None = None
    fixed: float | None = None
    initial_range: tuple[float, float] | None = None
    periodic: bool = False
    scale: float | None = None
    unit: str | None = None
    latex: str | None = None
    description: str | None = None

    def merged(self, other: ParameterSpec) -> ParameterSpec:
        """Combine two definitions of the same name (unset fields are filled; conflicts raise)."""
        fields = ("initial", "bounds", "fixed", "initial_range", "scale", "unit", "latex", "description")
        values = {}
        for f in fields:
            a, b = getattr(self, f), getattr(other, f)
            if a is not None and b is not None and a != b:
                raise ParameterError(
                    f"parameter {self.name!r} is defined twice with different settings: {f} {a!r} vs {b!r}")
            values[f] = a if a is not None else b
        return ParameterSpec(self.name, periodic=self.periodic or other.periodic, **values)


Number = Union[int, float, complex]  # noqa: UP007
ExprLike = Union["Expression", int, float, complex]  # noqa: UP007


class Expression:
    """An expression of amplitudes, parameters and constants (immutable).

    Examples
    --------
    >>> x = parameter("x")
    >>> print((x * x - 1).node.op)
    sub
    """

    __slots__ = ("node", "params", "amplitudes")
    __array_ufunc__ = None  # numpy scalars on the left defer to the reflected operators

    def __init__(self, node: Node | ExprLike, params: Mapping[str, ParameterSpec] | None = None,
                 amplitudes: Mapping[str, Node] | None = None) -> None:
        if not isinstance(node, Node):  # laddu's Expr(value): a number becomes a constant
            other = as_expression(node)
            node, params, amplitudes = other.node, other.params, other.amplitudes
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "params", dict(params or {}))
        object.__setattr__(self, "amplitudes", dict(amplitudes or {}))

    @classmethod
    def _owning(cls, node: Node, params: dict[str, ParameterSpec], amplitudes: dict[str, Node]) -> Expression:
        """An expression that takes ``params``/``amplitudes`` as they are (fresh or shared read-only dicts)."""
        e = cls.__new__(cls)
        object.__setattr__(e, "node", node)
        object.__setattr__(e, "params", params)
        object.__setattr__(e, "amplitudes", amplitudes)
        return e

    node: Node
    params: dict[str, ParameterSpec]
    amplitudes: dict[str, Node]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("expressions are immutable")

    def __reduce__(self) -> Any:
        return (Expression, (self.node, self.params, self.amplitudes))

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Parameters used, in first-appearance order."""
        return tuple(self.params)

    @property
    def amplitude_names(self) -> tuple[str, ...]:
        """Amplitudes used, in first-appearance order."""
        return tuple(self.amplitudes)

    # -- algebra ---------------------------------------------------------------------
    def _binary(self, op: str, other: ExprLike, reflected: bool = False) -> Expression:
        rhs = as_expression(other)
        a, b = (rhs, self) if reflected else (self, rhs)
        return combine(op, a, b)

    def __add__(self, other: ExprLike) -> Expression:
        return self._binary("add", other)

    def __radd__(self, other: ExprLike) -> Expression:
        return self._binary("add", other, reflected=True)

    def __sub__(self, other: ExprLike) -> Expression:
        return self._binary("sub", other)

    def __rsub__(self, other: ExprLike) -> Expression:
        return self._binary("sub", other, reflected=True)

    def __mul__(self, other: ExprLike) -> Expression:
        return self._binary("mul", other)

    def __rmul__(self, other: ExprLike) -> Expression:
        return self._binary("mul", other, reflected=True)

    def __truediv__(self, other: ExprLike) -> Expression:
        return self._binary("div", other)

    def __rtruediv__(self, other: ExprLike) -> Expression:
        return self._binary("div", other, reflected=True)

    def __neg__(self) -> Expression:
        return self.apply("neg")

    def __pow__(self, exponent: int) -> Expression:
        """Integer power by repeated squaring (negative powers are reciprocals)."""
        if isinstance(exponent, bool) or not isinstance(exponent, (int, _np_integer())):
            raise ModelError(f"an expression can be raised to an integer power only, got {exponent!r}")
        n = int(exponent)
        if n < 0:
            return 1.0 / (self ** (-n))
        result: Expression | None = None
        base: Expression = self
        while n:
            if n & 1:
                result = base if result is None else result * base
            n >>= 1
            if n:
                base = base * base
        return result if result is not None else as_expression(1.0)

    @property
    def shape(self) -> tuple[int, ...]:
        """``()``: an Expression is a scalar (vectors and matrices are :class:`gpu_laddu.language.ExprArray`)."""
        return ()

    def sqrt(self) -> Expression:
        """Principal square root."""
        return sqrt(self)

    def exp(self) -> Expression:
        """Exponential."""
        return exp(self)

    def log(self) -> Expression:
        """Principal natural logarithm."""
        return log(self)

    def sin(self) -> Expression:
        """Sine (complex arguments through exponentials)."""
        return sin(self)

    def cos(self) -> Expression:
        """Cosine (complex arguments through exponentials)."""
        return cos(self)

    def acos(self) -> Expression:
        """Inverse cosine of a real expression."""
        return acos(self)

    def tagged(self, tag: str) -> Expression:
        """This expression carrying the projection/activation tag ``tag`` (several may share a tag)."""
        return amplitude(tag, self, tag=True)

    def dot(self) -> str:
        """Graphviz DOT source of this expression's graph (laddu's ``Expr.dot``)."""
        from gpu_laddu.ir.printer import format_dot

        return format_dot([self.node])

    def tree(self) -> str:
        """A text listing of this expression's graph, one node per line."""
        from gpu_laddu.ir.printer import format_graph

        return format_graph([self.node])

    def named(self, name: str) -> Expression:
        """laddu's display name: accepted for compatibility, does not change the value."""
        if not isinstance(name, str):
            raise ModelError(f"an expression name must be a string, got {name!r}")
        return self

    def project(self, tags: str | list[str] | tuple[str, ...]) -> Expression:
        """Keep only the tagged contributions whose tag is in ``tags`` (other tags become zero)."""
        from gpu_laddu.passes.specialize import specialize_activation

        wanted = {tags} if isinstance(tags, str) else set(tags)
        unknown = sorted(wanted - set(self.amplitudes))
        if unknown:
            raise ModelError(f"unknown tag(s) {unknown}; the expression has {list(self.amplitudes)}")
        keep = frozenset(n for n, node in self.amplitudes.items() if n in wanted or not _is_tag(node))
        (node,) = specialize_activation([self.node], keep)
        return Expression(node, self.params, {n: a for n, a in self.amplitudes.items() if n in keep})

    def __pos__(self) -> Expression:
        return self

    def real(self) -> Expression:
        """Real part."""
        return self.apply("real")

    def imag(self) -> Expression:
        """Imaginary part."""
        return self.apply("imag")

    def conj(self) -> Expression:
        """Complex conjugate."""
        return self.apply("conj")

    def norm_sqr(self) -> Expression:
        """|x|² (real)."""
        return self.apply("norm_sqr")

    def apply(self, op: str, attrs: tuple[Any, ...] = ()) -> Expression:
        """A unary IR op applied to this expression."""
        return Expression._owning(make(op, (self.node,), attrs), self.params, self.amplitudes)

    def __bool__(self) -> bool:
        raise TypeError("an Expression has no truth value")

    def __repr__(self) -> str:
        return f"Expression({self.node.op}, params={list(self.params)}, amplitudes={list(self.amplitudes)})"


def _np_integer() -> type:
    import numpy as np

    return np.integer


def as_expression(x: ExprLike) -> Expression:
    """An Expression for ``x`` (numbers, numpy scalars included, become constants)."""
    if isinstance(x, Expression):
        return x
    if type(x).__module__ == "numpy" and hasattr(x, "item") and getattr(x, "ndim", 1) == 0:
        x = x.item()  # numpy scalar
    if isinstance(x, (int, float, complex)) and not isinstance(x, bool):
        if not (math.isfinite(x.real) and math.isfinite(x.imag)) if isinstance(x, complex) else not math.isfinite(x):
            raise ParameterError(f"constant must be finite, got {x!r}")
        return Expression(const(x))
    raise ExpressionTypeError(f"cannot use {type(x).__name__} {x!r} in an expression")


def merge_metadata(*exprs: Expression) -> tuple[dict[str, ParameterSpec], dict[str, Node]]:
    """Union of parameters (by name, in order) and amplitudes (duplicate names with different content raise)."""
    params: dict[str, ParameterSpec] = {}
    amps: dict[str, Node] = {}
    if exprs and len(exprs[0].params) + len(exprs[0].amplitudes) > 8:
        # a long sum grows on the left: copy its metadata in C and merge only the newcomers
        params, amps = dict(exprs[0].params), dict(exprs[0].amplitudes)
        exprs = exprs[1:]
    for e in exprs:
        for name, spec in e.params.items():
            params[name] = params[name].merged(spec) if name in params else spec
        for name, node in e.amplitudes.items():
            if name in amps and amps[name] is not node and not (_is_tag(node) and _is_tag(amps[name])):
                raise ModelError(f"duplicate amplitude name {name!r}: two different amplitudes share it")
            amps[name] = node
    return params, amps


def combine(op: str, *operands: Expression) -> Expression:
    """Apply an n-ary IR op to expressions, merging their metadata."""
    params, amps = merge_metadata(*operands)
    return Expression._owning(make(op, tuple(e.node for e in operands)), params, amps)


def _real_number(name: str, what: str, value: Any) -> float:
    """``value`` as a finite float, or a ParameterError naming the parameter and the argument."""
    if isinstance(value, (bool, str, bytes, complex)):
        raise ParameterError(f"parameter {name!r}: {what} must be a real number, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r}: {what} must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ParameterError(f"parameter {name!r}: {what} must be finite, got {value!r}")
    return out


def _bounds(name: str, bounds: Any) -> tuple[float | None, float | None] | None:
    if bounds is None:
        return None
    if isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__") or len(bounds) != 2:
        raise ParameterError(f"parameter {name!r}: bounds must be a pair (low, high), got {bounds!r}")
    lo, hi = (None if b is None else _real_number(name, "each bound", b) for b in bounds)
    if lo is not None and hi is not None and not lo < hi:
        raise ParameterError(f"parameter {name!r}: lower bound {lo} is not below upper bound {hi}")
    return (lo, hi)


def parameter(name: str, initial: float | tuple[float, float] | None = None,
              bounds: tuple[float | None, float | None] | None = None, *, fixed: float | None = None,
              periodic: bool = False, scale: float | None = None, unit: str | None = None,
              latex: str | None = None, description: str | None = None) -> Expression:
    """A real fit parameter, shared by name across the model (laddu 0.28.1's signature).

    Parameters
    ----------
    name : str
        Any string (it never reaches generated code).
    initial : float or (low, high), optional
        Starting value for fits, or a range whose midpoint is the start.
    bounds : (low, high), optional
        Either end may be None (unbounded).
    fixed : float, optional
        Start fixed at this value (``Model.free(name)`` frees it).
    periodic, scale, unit, latex, description
        Labels for minimisers and reports (``periodic`` needs finite bounds).

    Examples
    --------
    >>> parameter("width", initial=0.1, bounds=(0.001, 1.0)).params["width"].bounds
    (0.001, 1.0)
    >>> parameter("m", fixed=1.5).params["m"].fixed
    1.5
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"parameter name must be a non-empty string, got {name!r}")
    initial_range = None
    if isinstance(initial, (tuple, list)):
        if len(initial) != 2:
            raise ParameterError(f"parameter {name!r}: an initial range must be (low, high), got {initial!r}")
        lo, hi = (_real_number(name, "the initial range", v) for v in initial)
        if not lo <= hi:
            raise ParameterError(f"parameter {name!r}: initial range {initial!r} has low > high")
        initial_range, initial = (lo, hi), 0.5 * (lo + hi)
    elif initial is not None:
        initial = _real_number(name, "initial value", initial)
    bnds = _bounds(name, bounds)
    if fixed is not None:  # laddu reads fixed=True/False as 1.0/0.0
        fixed = float(fixed) if isinstance(fixed, bool) else _real_number(name, "fixed value", fixed)
    for label, value in (("initial value", initial), ("fixed value", fixed)):
        if bnds is not None and value is not None and (
                (bnds[0] is not None and value < bnds[0]) or (bnds[1] is not None and value > bnds[1])):
            raise ParameterError(f"parameter {name!r}: {label} {value} is outside its bounds {bnds}")
    if periodic and (bnds is None or None in bnds):
        raise ParameterError(f"parameter {name!r}: periodic=True needs finite bounds, got {bnds}")
    if scale is not None and not _real_number(name, "scale", scale) > 0:
        raise ParameterError(f"parameter {name!r}: scale must be positive, got {scale!r}")
    for label, text in (("unit", unit), ("latex", latex), ("description", description)):
        if text is not None and not isinstance(text, str):
            raise ParameterError(f"parameter {name!r}: {label} must be a string, got {text!r}")
    spec = ParameterSpec(name, initial, bnds, fixed, initial_range, bool(periodic),
                         None if scale is None else float(scale), unit, latex, description)
    return Expression(param(name), {name: spec})


def constant(value: Number) -> Expression:
    """A fixed number in an expression (``gl.constant(1.506)``).

    >>> constant(2.5).node.value
    2.5
    """
    return as_expression(value)


def _is_tag(node: Node) -> bool:
    return node.attrs[1:] == ("tag",)


def amplitude(name: str, body: Expression, *, tag: bool = False) -> Expression:
    """Wrap ``body`` as the named amplitude (the unit of activation).

    ``tag=True`` (laddu's ``Expr.tagged``): several different subexpressions may share the name.
    """
    if not isinstance(name, str) or not name:
        raise ModelError(f"amplitude name must be a non-empty string, got {name!r}")
    node = make("amp", (body.node,), (name, "tag") if tag else (name,))
    params, amps = merge_metadata(body, Expression(node, {}, {name: node}))
    return Expression(node, params, amps)


# -- math on expressions (used by amplitude definitions) ---------------------------------
def sqrt(x: ExprLike) -> Expression:
    """Square root (principal branch for complex input)."""
    return as_expression(x).apply("sqrt")


def exp(x: ExprLike) -> Expression:
    """Exponential."""
    return as_expression(x).apply("exp")


def log(x: ExprLike) -> Expression:
    """Natural logarithm (principal branch for complex input)."""
    return as_expression(x).apply("log")


def cis(x: ExprLike) -> Expression:
    """e^{i x} for real x (for complex x, exp(i·x))."""
    e = as_expression(x)
    if e.node.dtype == "complex":
        return exp(1j * e)
    return e.apply("cis")


def sin(x: ExprLike) -> Expression:
    """Sine; of a complex expression as (e^{ix} − e^{−ix}) / 2i."""
    e = as_expression(x)
    if e.node.dtype == "complex":
        return (exp(1j * e) - exp(-1j * e)) * (-0.5j)
    return e.apply("sin")


def cos(x: ExprLike) -> Expression:
    """Cosine; of a complex expression as (e^{ix} + e^{−ix}) / 2."""
    e = as_expression(x)
    if e.node.dtype == "complex":
        return (exp(1j * e) + exp(-1j * e)) * 0.5
    return e.apply("cos")


def acos(x: ExprLike) -> Expression:
    """Inverse cosine of a real expression (NaN outside [−1, 1], as in NumPy)."""
    e = as_expression(x)
    if e.node.dtype != "real":
        raise ModelError("acos takes a real expression (take .real() of a complex one first)")
    return e.apply("acos")


def atan2(y: ExprLike, x: ExprLike) -> Expression:
    """The angle of the point (x, y), in (−π, π], from two real expressions."""
    ey, ex = as_expression(y), as_expression(x)
    if ey.node.dtype != "real" or ex.node.dtype != "real":
        raise ModelError("atan2 takes two real expressions")
    return combine("atan2", ey, ex)


def to_complex(x: ExprLike) -> Expression:
    """Promote a real expression to complex (x + 0i)."""
    e = as_expression(x)
    return e if e.node.dtype == "complex" else e.apply("to_complex")


def complex_(re: ExprLike, im: ExprLike) -> Expression:
    """re + i·im from two real expressions (complex ones: re + i·im as complex arithmetic)."""
    a, b = as_expression(re), as_expression(im)
    if a.node.dtype == "complex" or b.node.dtype == "complex":
        return a + 1j * b
    return combine("complex", a, b)
