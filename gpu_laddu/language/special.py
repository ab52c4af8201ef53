"""Shared special-function pieces of the language: quantum-number checks, Blatt–Weisskopf
tables, two-body kinematics and the spherical-harmonic recurrence, written once.

Everything here works on IR :class:`~gpu_laddu.ir.expr.Expression` objects; the recurrence
:func:`legendre_part` and :func:`barrier_ratio` also work on numpy/cupy arrays (they use
only ``+ - * /``), so that the array functions of :mod:`gpu_laddu.amplitudes.functions` and
the language primitives share one implementation.

Conventions
-----------
* Two-body: λ = (s − (m1+m2)²)(s − (m1−m2)²), complex q = √λ / (2√s) with principal square
  roots, signed q² = λ/(4s) (negative between the pseudo-threshold and the threshold).
* Blatt–Weisskopf: F_l(z) = √(z^l D_l(1)/D_l(z)), z = q²/q_R², q_R = 0.1973 GeV by default,
  D_l(z) = |x^{l+1} h_l^{(1)}(x)|² at x² = z.  For l = 6 this is the physical polynomial
  (constant term 10395² = 108056025); laddu 0.28.1 writes the l = 7 constant there, so that
  its F_6(1) = 0.0805 instead of 1.

Examples
--------
>>> round(barrier_ratio(1.0, 2), 12)
1.0
>>> validate_lm(3, -2)
(3, -2)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, ExprLike, as_expression, cis, cos, exp, sin, sqrt, to_complex

__all__ = [
    "BLATT_WEISSKOPF_DENOMINATORS",
    "BLATT_WEISSKOPF_MAX_L",
    "QR_DEFAULT",
    "as_expr",
    "barrier_ratio",
    "blatt_weisskopf_ir",
    "breakup_momentum_ir",
    "expr_cis",
    "expr_cos",
    "expr_sin",
    "int_power",
    "is_nonnegative",
    "lambda_ir",
    "legendre_part",
    "quantum_number",
    "sqrt_complex",
    "validate_barrier_l",
    "validate_lm",
]

QR_DEFAULT = 0.1973
"""Default Blatt–Weisskopf momentum scale q_R in GeV (≈ ħc / 1 fm)."""

BLATT_WEISSKOPF_MAX_L = 8
"""Highest orbital angular momentum with a Blatt–Weisskopf polynomial."""

# D_l(z) = |x^{l+1} h_l^(1)(x)|^2 at x^2 = z, coefficients from the highest power down;
# |F_l(z)|^2 = z^l D_l(1) / D_l(z).
BLATT_WEISSKOPF_DENOMINATORS: tuple[tuple[int, ...], ...] = (
    (1,),
    (1, 1),
    (1, 3, 9),
    (1, 6, 45, 225),
    (1, 10, 135, 1575, 11025),
    (1, 15, 315, 6300, 99225, 893025),
    (1, 21, 630, 18900, 496125, 9823275, 108056025),
    (1, 28, 1134, 47250, 1819125, 58939650, 1404728325, 18261468225),
    (1, 36, 1890, 103950, 5457375, 255405150, 9833098275, 273922023375, 4108830350625),
)


def quantum_number(value: object, name: str) -> int:
    """``value`` as a Python int, or ModelError naming ``name`` (bools and floats are refused).

    Examples
    --------
    >>> quantum_number(2, "l")
    2
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ModelError(f"{name} must be an integer, got {value!r}")
    return int(value)


def validate_lm(l: int, m: int) -> tuple[int, int]:
    """Check the quantum numbers of a spherical harmonic: integers with 0 <= |m| <= l.

    Raises
    ------
    ModelError
        If ``l`` or ``m`` is not an integer, ``l < 0`` or ``|m| > l``.

    Examples
    --------
    >>> validate_lm(2, -1)
    (2, -1)
    >>> validate_lm(1, 2)
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.ModelError: spherical harmonic needs |m| <= l, got l=1, m=2
    """
    l_int, m_int = quantum_number(l, "l"), quantum_number(m, "m")
    if l_int < 0:
        raise ModelError(f"spherical harmonic needs l >= 0, got l={l_int}")
    if abs(m_int) > l_int:
        raise ModelError(f"spherical harmonic needs |m| <= l, got l={l_int}, m={m_int}")
    return l_int, m_int


def validate_barrier_l(l: int) -> int:
    """Check an orbital angular momentum for a Blatt–Weisskopf factor: an integer 0..8.

    Raises
    ------
    ModelError
        If ``l`` is not an integer in ``0..BLATT_WEISSKOPF_MAX_L``.

    Examples
    --------
    >>> validate_barrier_l(2)
    2
    >>> validate_barrier_l(9)
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.ModelError: Blatt-Weisskopf factors exist for l = 0..8, got l=9
    """
    l_int = quantum_number(l, "l")
    if not 0 <= l_int <= BLATT_WEISSKOPF_MAX_L:
        raise ModelError(f"Blatt-Weisskopf factors exist for l = 0..{BLATT_WEISSKOPF_MAX_L}, got l={l_int}")
    return l_int


def as_expr(value: Any, name: str) -> Expression:
    """An argument of a language function as an Expression: an Expression, or a finite Python
    or numpy number (a constant).

    Raises
    ------
    ModelError
        Naming ``name``, for anything else (strings, arrays, bools, non-finite numbers).

    Examples
    --------
    >>> import numpy as np
    >>> as_expr(np.float64(0.5), "mass").node.value
    0.5
    """
    if isinstance(value, Expression):
        return value
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
        raise ModelError(f"{name} must be an expression or a number, got {type(value).__name__} {value!r}")
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ModelError(f"{name} must be finite, got {value!r}")
    return as_expression(value)


def is_nonnegative(e: Expression) -> bool:
    """Whether ``e`` is real and provably >= 0 (a constant >= 0, x·x of a real x, |x|², ...)."""
    node = e.node
    if node.dtype != "real":
        return False
    if node.op == "const":
        return float(node.attrs[0]) >= 0.0
    if node.op == "mul" and node.inputs[0] is node.inputs[1]:
        return True
    return node.op in ("norm_sqr", "abs", "exp")


def sqrt_complex(x: ExprLike) -> Expression:
    """The principal complex square root, as laddu takes it (real √ where x is provably >= 0)."""
    e = as_expression(x)
    return sqrt(e) if is_nonnegative(e) else sqrt(to_complex(e))


def expr_cos(x: Expression) -> Expression:
    """cos x for a real or complex expression."""
    if x.node.dtype == "real":
        return cos(x)
    return 0.5 * (exp(1j * x) + exp(-1j * x))


def expr_sin(x: Expression) -> Expression:
    """sin x for a real or complex expression."""
    if x.node.dtype == "real":
        return sin(x)
    return -0.5j * (exp(1j * x) - exp(-1j * x))


def expr_cis(x: Expression) -> Expression:
    """e^{i x} for a real or complex expression."""
    return cis(x) if x.node.dtype == "real" else exp(1j * x)


def int_power(x: Any, n: int) -> Any:
    """x**n for an integer n >= 0 by repeated squaring (1.0 for n = 0); arrays or expressions.

    >>> int_power(3.0, 5)
    243.0
    """
    result: Any = 1.0
    base = x
    first = True
    while n:
        if n & 1:
            result = base if first else result * base
            first = False
        n >>= 1
        if n:
            base = base * base
    return result


def lambda_ir(s: ExprLike, m1: ExprLike, m2: ExprLike) -> Expression:
    """Källén-type product λ = (s − (m1+m2)²)(s − (m1−m2)²) as IR."""
    s, m1, m2 = as_expression(s), as_expression(m1), as_expression(m2)
    return (s - (m1 + m2) * (m1 + m2)) * (s - (m1 - m2) * (m1 - m2))


def breakup_momentum_ir(s: ExprLike, m1: ExprLike, m2: ExprLike) -> Expression:
    """Complex q(s) = √λ / (2√s) on the physical sheet (principal roots, as laddu 0.28.1)."""
    return sqrt(to_complex(lambda_ir(s, m1, m2))) / (2.0 * sqrt_complex(s))


def barrier_ratio(z: Any, l: int) -> Any:
    """|F_l(z)|² = z^l D_l(1) / D_l(z) (Horner for D_l); arrays or expressions, any l in 0..8.

    Examples
    --------
    >>> round(barrier_ratio(-0.3, 1), 7)
    -0.8571429
    """
    coefficients = BLATT_WEISSKOPF_DENOMINATORS[validate_barrier_l(l)]
    if l == 0:
        return 1.0
    denominator: Any = float(coefficients[0])
    for c in coefficients[1:]:
        denominator = z * denominator + float(c)
    return float(sum(coefficients)) * int_power(z, l) / denominator


def blatt_weisskopf_ir(q2: ExprLike, l: int, q_r: ExprLike = QR_DEFAULT) -> Expression | float:
    """F_l(z) = √(z^l D_l(1)/D_l(z)), z = q²/q_R², as IR (principal complex root; 1.0 for l = 0).

    ``q2`` is the squared breakup momentum: the *signed* real q² = λ/(4s) or a complex q·q.
    """
    l = validate_barrier_l(l)
    if l == 0:
        return 1.0
    q_r = as_expression(q_r)
    z = as_expression(q2) / (q_r * q_r)
    return sqrt(to_complex(barrier_ratio(z, l)))


def legendre_part(l: int, am: int, x: Any) -> Any:
    """R with Y_l^{±am}(θ, φ) ∝ R(cos θ)·sin^am θ: the normalised associated-Legendre recurrence.

    R includes the normalisation √((2l+1)/4π·(l−am)!/(l+am)!) and the Condon–Shortley phase
    (−1)^am; it is a polynomial in ``x`` = cos θ (a float when l = am), built with ``+ - *``
    only, so ``x`` may be an array or an expression.  Stable to high l.

    Examples
    --------
    >>> round(legendre_part(0, 0, 0.3) ** 2 * 4 * math.pi, 12)
    1.0
    """
    p: Any = math.sqrt((2 * am + 1) / (4.0 * math.pi))
    for k in range(1, am + 1):
        p = p * -math.sqrt((2 * k - 1) / (2 * k))
    if l == am:
        return p
    p_prev, p = p, x * (math.sqrt(2 * am + 3) * p)
    for n in range(am + 2, l + 1):
        a_n = math.sqrt((4 * n * n - 1) / (n * n - am * am))
        a_prev = math.sqrt((4 * (n - 1) ** 2 - 1) / ((n - 1) ** 2 - am * am))
        p_prev, p = p, a_n * (x * p - p_prev * (1.0 / a_prev))
    return p
