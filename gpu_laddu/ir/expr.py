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

from gpu_laddu.errors import ModelError, ParameterError
from gpu_laddu.ir.nodes import Node, const, make, param


@dataclass(frozen=True)
class ParameterSpec:
    """A free parameter's definition: name, initial value and bounds (either may be None)."""

    name: str
    initial: float | None = None
    bounds: tuple[float | None, float | None] | None = None

    def merged(self, other: ParameterSpec) -> ParameterSpec:
        """Combine two definitions of the same name (unset fields are filled; conflicts raise)."""
        initial = self.initial if self.initial is not None else other.initial
        bounds = self.bounds if self.bounds is not None else other.bounds
        if (self.initial is not None and other.initial is not None and self.initial != other.initial) or (
            self.bounds is not None and other.bounds is not None and self.bounds != other.bounds
        ):
            raise ParameterError(
                f"parameter {self.name!r} is defined twice with different settings: "
                f"initial {self.initial} vs {other.initial}, bounds {self.bounds} vs {other.bounds}"
            )
        return ParameterSpec(self.name, initial, bounds)


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

    def __init__(self, node: Node, params: Mapping[str, ParameterSpec] | None = None,
                 amplitudes: Mapping[str, Node] | None = None) -> None:
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "params", dict(params or {}))
        object.__setattr__(self, "amplitudes", dict(amplitudes or {}))

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
        return Expression(make(op, (self.node,), attrs), self.params, self.amplitudes)

    def __bool__(self) -> bool:
        raise TypeError("an Expression has no truth value")

    def __repr__(self) -> str:
        return f"Expression({self.node.op}, params={list(self.params)}, amplitudes={list(self.amplitudes)})"


def as_expression(x: ExprLike) -> Expression:
    """An Expression for ``x`` (numbers become constants)."""
    if isinstance(x, Expression):
        return x
    if isinstance(x, (int, float, complex)) and not isinstance(x, bool):
        if not (math.isfinite(x.real) and math.isfinite(x.imag)) if isinstance(x, complex) else not math.isfinite(x):
            raise ParameterError(f"constant must be finite, got {x!r}")
        return Expression(const(x))
    raise TypeError(f"cannot use {type(x).__name__} {x!r} in an amplitude expression")


def merge_metadata(*exprs: Expression) -> tuple[dict[str, ParameterSpec], dict[str, Node]]:
    """Union of parameters (by name, in order) and amplitudes (duplicate names with different content raise)."""
    params: dict[str, ParameterSpec] = {}
    amps: dict[str, Node] = {}
    for e in exprs:
        for name, spec in e.params.items():
            params[name] = params[name].merged(spec) if name in params else spec
        for name, node in e.amplitudes.items():
            if name in amps and amps[name] is not node:
                raise ModelError(f"duplicate amplitude name {name!r}: two different amplitudes share it")
            amps[name] = node
    return params, amps


def combine(op: str, *operands: Expression) -> Expression:
    """Apply an n-ary IR op to expressions, merging their metadata."""
    params, amps = merge_metadata(*operands)
    return Expression(make(op, tuple(e.node for e in operands)), params, amps)


def parameter(name: str, initial: float | None = None, bounds: tuple[float | None, float | None] | None = None
              ) -> Expression:
    """A free real parameter, shared by name across the model.

    Parameters
    ----------
    name : str
        Any string (it never reaches generated code).
    initial : float, optional
        Starting value for fits.
    bounds : (low, high), optional
        Either end may be None (unbounded).

    Examples
    --------
    >>> parameter("width", initial=0.1, bounds=(0.001, 1.0)).params["width"].bounds
    (0.001, 1.0)
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"parameter name must be a non-empty string, got {name!r}")
    if initial is not None:
        initial = float(initial)
        if not math.isfinite(initial):
            raise ParameterError(f"parameter {name!r}: initial value must be finite, got {initial}")
    if bounds is not None:
        if len(bounds) != 2:
            raise ParameterError(f"parameter {name!r}: bounds must be (low, high), got {bounds!r}")
        lo, hi = (None if b is None else float(b) for b in bounds)
        if lo is not None and hi is not None and not lo < hi:
            raise ParameterError(f"parameter {name!r}: lower bound {lo} is not below upper bound {hi}")
        if initial is not None and ((lo is not None and initial < lo) or (hi is not None and initial > hi)):
            raise ParameterError(f"parameter {name!r}: initial value {initial} is outside its bounds {bounds}")
        bounds = (lo, hi)
    return Expression(param(name), {name: ParameterSpec(name, initial, bounds)})


def constant(value: Number) -> Expression:
    """A fixed number in an expression (``gl.constant(1.506)``).

    >>> constant(2.5).node.value
    2.5
    """
    return as_expression(value)


def amplitude(name: str, body: Expression) -> Expression:
    """Wrap ``body`` as the named amplitude (the unit of activation)."""
    if not isinstance(name, str) or not name:
        raise ModelError(f"amplitude name must be a non-empty string, got {name!r}")
    node = make("amp", (body.node,), (name,))
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
    """e^{i x} for real x."""
    return as_expression(x).apply("cis")


def sin(x: ExprLike) -> Expression:
    """Sine of a real expression."""
    return as_expression(x).apply("sin")


def cos(x: ExprLike) -> Expression:
    """Cosine of a real expression."""
    return as_expression(x).apply("cos")


def to_complex(x: ExprLike) -> Expression:
    """Promote a real expression to complex (x + 0i)."""
    e = as_expression(x)
    return e if e.node.dtype == "complex" else e.apply("to_complex")


def complex_(re: ExprLike, im: ExprLike) -> Expression:
    """re + i·im from two real expressions."""
    return combine("complex", as_expression(re), as_expression(im))
