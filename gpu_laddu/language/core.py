"""Scalar constructors of laddu 0.28.1's language: ``Expr``, ``complex``, ``polar_complex``,
``cis``, ``atan2``, ``acos``, ``cparameter`` (``parameter`` lives in :mod:`gpu_laddu.ir.expr`).

Examples
--------
>>> import gpu_laddu as gl
>>> z = gl.complex(gl.parameter("x"), gl.parameter("y"))
>>> gl.Model(z * z + 1.0).evaluate(parameters={"x": 2.0, "y": 3.0})
(-4+12j)
>>> gl.cparameter("beta").parameter_names
('beta real', 'beta imag')
"""

from __future__ import annotations

import builtins
from typing import Any

from gpu_laddu.errors import ParameterError
from gpu_laddu.ir.expr import Expression, ExprLike, acos, as_expression, atan2, complex_, parameter
from gpu_laddu.ir.expr import cis as _cis

Expr = Expression
"""laddu's ``Expr``: ``Expr(0.5)`` is a constant; scalar expressions are :class:`Expression` objects."""


def complex(re: ExprLike, im: ExprLike) -> Expression:  # noqa: A001 - laddu's name
    """re + i·im.

    >>> import gpu_laddu as gl
    >>> gl.Model(gl.complex(1.0, 2.0)).evaluate()
    (1+2j)
    """
    return complex_(re, im)


def polar_complex(magnitude: ExprLike, phase: ExprLike) -> Expression:
    """magnitude · e^{i·phase}.

    >>> import gpu_laddu as gl, math
    >>> abs(gl.Model(gl.polar_complex(2.0, math.pi / 2)).evaluate() - 2j) < 1e-15
    True
    """
    return as_expression(magnitude) * _cis(phase)


def cis(phase: ExprLike) -> Expression:
    """e^{i·phase}."""
    return _cis(phase)


def _pair(value: Any, name: str, what: str) -> tuple[Any, Any]:
    if value is None:
        return None, None
    if isinstance(value, (builtins.complex,)) or (hasattr(value, "imag") and not isinstance(value, (tuple, list))):
        c = builtins.complex(value)
        return c.real, c.imag
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0], value[1]
    raise ParameterError(f"cparameter {name!r}: {what} must be a complex number or a pair, got {value!r}")


def _components(value: Any, name: str, what: str) -> tuple[Any, Any]:
    """Broadcast a setting to both components, or split a pair of per-component settings."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            v is None or isinstance(v, (tuple, list, bool, str)) for v in value):
        return value[0], value[1]
    return value, value


def cparameter(name: str, *, initial: Any = None, coordinates: str = "cartesian",
               suffixes: tuple[str, str] | None = None, bounds: Any = None, fixed: Any = None,
               periodic: Any = None, scale: Any = None, unit: Any = None, latex: Any = None,
               description: Any = None) -> Expression:
    """A complex expression backed by two real parameters (laddu 0.28.1).

    ``coordinates="cartesian"`` gives ``name + " real"`` and ``name + " imag"``;
    ``"polar"`` gives ``" magnitude"`` and ``" phase"`` (value = magnitude·e^{i·phase}).

    >>> import gpu_laddu as gl
    >>> gl.cparameter("b", coordinates="polar", initial=(1.0, 0.0)).parameter_names
    ('b magnitude', 'b phase')
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"cparameter name must be a non-empty string, got {name!r}")
    if coordinates not in ("cartesian", "polar"):
        raise ParameterError(f"cparameter {name!r}: coordinates must be 'cartesian' or 'polar', got {coordinates!r}")
    if suffixes is None:
        suffixes = (" real", " imag") if coordinates == "cartesian" else (" magnitude", " phase")
    if not (isinstance(suffixes, (tuple, list)) and len(suffixes) == 2 and all(isinstance(x, str) for x in suffixes)):
        raise ParameterError(f"cparameter {name!r}: suffixes must be two strings, got {suffixes!r}")
    if isinstance(initial, (tuple, list)) and len(initial) == 2:
        init = (initial[0], initial[1])
    else:
        init = _pair(initial, name, "initial")
    fixed_parts = fixed if isinstance(fixed, (tuple, list)) else _pair(fixed, name, "fixed")
    if len(fixed_parts) != 2:
        raise ParameterError(f"cparameter {name!r}: fixed must be a complex number or a pair, got {fixed!r}")
    if isinstance(bounds, (tuple, list)) and len(bounds) == 2 and all(
            b is None or isinstance(b, (tuple, list)) for b in bounds):
        bnds = (bounds[0], bounds[1])
    else:
        bnds = (bounds, bounds)
    settings = [_components(v, name, label) for v, label in
                ((periodic, "periodic"), (scale, "scale"), (unit, "unit"), (latex, "latex"),
                 (description, "description"))]
    parts = []
    for k in range(2):
        per, sc, un, la, de = (s[k] for s in settings)
        parts.append(parameter(name + suffixes[k], init[k], bnds[k], fixed=fixed_parts[k], periodic=bool(per),
                               scale=sc, unit=un, latex=la, description=de))
    if coordinates == "cartesian":
        return complex_(parts[0], parts[1])
    return polar_complex(parts[0], parts[1])


__all__ = ["Expr", "acos", "atan2", "cis", "complex", "cparameter", "parameter", "polar_complex"]
