"""Building blocks shared by the built-in amplitudes.

An amplitude has two parts: column sources (parameter-free per-event pieces, computed
once per dataset in ``xp``) and the IR of its parameter-dependent part, wrapped by
:func:`gpu_laddu.ir.expr.amplitude` so that it can be activated and deactivated by name.

Examples
--------
>>> import gpu_laddu as gl
>>> s = Scalar("s", gl.parameter("v"))
>>> s.amplitude_names, s.parameter_names
(('s',), ('v',))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, amplitude, as_expression, cis, complex_, to_complex
from gpu_laddu.ir.nodes import column

ParameterLike = Union[Expression, float, int]  # noqa: UP007


def real_parameter(value: ParameterLike, what: str) -> Expression:
    """A real parameter-like argument (a parameter, constant or number) as an Expression."""
    if isinstance(value, complex):
        raise ModelError(f"{what} must be real, got {value!r}")
    try:
        expr = as_expression(value)
    except TypeError as exc:
        raise ModelError(f"{what} must be a parameter, constant or number, got {value!r}") from exc
    if expr.node.dtype != "real":
        raise ModelError(f"{what} must be a real expression")
    return expr


@dataclass(frozen=True)
class VariableColumn:
    """Column source: the value of a kinematic variable per event (float64)."""

    variable: Any

    @property
    def key(self) -> tuple[Any, ...]:
        return ("variable", self.variable.key)

    dtype = "real"

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        if self.key not in memo:
            memo[self.key] = dataset.ctx.xp.asarray(self.variable.value(dataset), dtype="float64")
        return memo[self.key]

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4s, scalars = self.variable.required_columns()
        return frozenset(p4s), frozenset(scalars)


def variable_expr(variable: Any) -> Expression:
    """The per-event value of ``variable`` as a (PER_EVENT) expression."""
    return Expression(column(VariableColumn(variable)))


def check_name(name: Any) -> str:
    """Validate an amplitude name (any non-empty string)."""
    if not isinstance(name, str) or not name:
        raise ModelError(f"amplitude name must be a non-empty string, got {name!r}")
    return name


def Scalar(name: str, value: ParameterLike) -> Expression:  # noqa: N802 - public API name
    """A real scalar amplitude: ``value`` (+0i).

    >>> import gpu_laddu as gl
    >>> Scalar("S", 2.0).node.op
    'amp'
    """
    return amplitude(check_name(name), to_complex(real_parameter(value, f"Scalar {name!r} value")))


def ComplexScalar(name: str, re: ParameterLike, im: ParameterLike) -> Expression:  # noqa: N802
    """A complex scalar amplitude: ``re + i·im``.

    >>> import gpu_laddu as gl
    >>> ComplexScalar("D", gl.parameter("re"), gl.parameter("im")).parameter_names
    ('re', 'im')
    """
    name = check_name(name)
    return amplitude(name, complex_(real_parameter(re, f"{name!r} re"), real_parameter(im, f"{name!r} im")))


def PolarComplexScalar(name: str, r: ParameterLike, theta: ParameterLike) -> Expression:  # noqa: N802
    """A complex scalar amplitude in polar form: ``r·e^{iθ}``.

    >>> import gpu_laddu as gl
    >>> PolarComplexScalar("P", 1.0, gl.parameter("phase")).parameter_names
    ('phase',)
    """
    name = check_name(name)
    return amplitude(name, real_parameter(r, f"{name!r} r") * cis(real_parameter(theta, f"{name!r} theta")))
