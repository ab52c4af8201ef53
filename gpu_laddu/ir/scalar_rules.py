"""Evaluation rules of each IR op on host scalars (used by constant folding and by the
interpreter for event-independent nodes).

Python's ``math`` raises where IEEE arithmetic gives NaN or ±inf (the square root or
logarithm of a negative float, a division by zero, an overflowing ``exp``).  The generated
kernels follow IEEE arithmetic, so :func:`ieee_scalar` evaluates an op like they do: the
Python rule first, and on such an error the NumPy scalar result (NaN where NumPy has no rule
either).  A likelihood then finds the non-finite intensity and raises
:class:`~gpu_laddu.errors.LikelihoodError`, whatever the backend.

>>> SCALAR_RULES["norm_sqr"](3 + 4j)
25.0
>>> ieee_scalar("sqrt", -1.0), ieee_scalar("div", 1.0, 0.0), ieee_scalar("log", 0.0)
(nan, inf, -inf)
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from typing import Any

import numpy as np

# Uniform (host scalar) rules: Python floats/complex keep f32 arrays f32 when mixed (NEP 50).
SCALAR_RULES: dict[str, Callable[..., Any]] = {
    "neg": lambda a: -a,
    "conj": lambda a: a.conjugate(),
    "real": lambda a: float(a.real),
    "imag": lambda a: float(a.imag),
    "norm_sqr": lambda a: float(a.real * a.real + a.imag * a.imag),
    "abs": abs,
    "sqrt": lambda a: cmath.sqrt(a) if isinstance(a, complex) else math.sqrt(a),
    "exp": lambda a: cmath.exp(a) if isinstance(a, complex) else math.exp(a),
    "log": lambda a: cmath.log(a) if isinstance(a, complex) else math.log(a),
    "sin": math.sin,
    "cos": math.cos,
    "acos": math.acos,
    "atan2": math.atan2,
    "cis": lambda a: complex(math.cos(a), math.sin(a)),
    "to_complex": complex,
    "complex": lambda a, b: complex(a, b),
    "eq": lambda a, b: 1.0 if a == b else 0.0,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


#: NumPy forms of the ops whose Python rule can raise (IEEE results: NaN, ±inf).
_IEEE: dict[str, Callable[..., Any]] = {
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "cos": np.cos,
    "acos": np.arccos,
    "cis": lambda a: np.cos(a) + 1j * np.sin(a),
    "div": np.divide,
    "mul": np.multiply,
    "add": np.add,
    "sub": np.subtract,
    "abs": np.abs,
}


def ieee_scalar(op: str, *args: Any) -> Any:
    """``SCALAR_RULES[op](*args)``, with IEEE results (NaN, ±inf) where Python's math raises.

    Returns a Python float or complex.
    """
    try:
        return SCALAR_RULES[op](*args)
    except (ValueError, ArithmeticError):
        pass
    complex_args = any(isinstance(a, complex) for a in args)
    rule = _IEEE.get(op)
    if rule is None:
        return complex(math.nan, math.nan) if complex_args else math.nan
    with np.errstate(all="ignore"):
        value = rule(*(np.complex128(a) if complex_args else np.float64(a) for a in args))
    return complex(value) if isinstance(value, complex) or np.iscomplexobj(value) else float(value)
