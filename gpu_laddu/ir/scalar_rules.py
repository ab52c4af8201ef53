"""Evaluation rules of each IR op on host scalars (used by constant folding and by the
interpreter for event-independent nodes).

>>> SCALAR_RULES["norm_sqr"](3 + 4j)
25.0
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from typing import Any

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
