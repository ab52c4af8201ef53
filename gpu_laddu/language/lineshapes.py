"""Two-body kinematics, barrier factors and Breit–Wigner line shapes with laddu 0.28.1's names.

``q``, ``rho``, ``blatt_weisskopf``, ``blatt_weisskopf_custom``, ``breit_wigner``,
``relativistic_breit_wigner`` and ``relativistic_breit_wigner_custom`` build IR expressions
from expressions or numbers.  Their parameter-free parts (the per-event q(s), barrier
factors, √s) are precomputed into cache columns at load; the parts that depend on a free mass,
width or q_R run in the fused kernels with analytic gradients.  The expressions are arranged
so that the per-event factors of the running width form one cached product.

Examples
--------
>>> import gpu_laddu as gl
>>> bw = gl.relativistic_breit_wigner(1.2, mass=gl.parameter("m0"), width=gl.parameter("w0"),
...                                   mass1=0.139, mass2=0.139, l=1)
>>> bw.parameter_names, bw.node.dtype
(('m0', 'w0'), 'complex')
"""

from __future__ import annotations

import enum
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, sqrt, to_complex
from gpu_laddu.language.quantum import doubled_value
from gpu_laddu.language.special import (
    BLATT_WEISSKOPF_MAX_L,
    QR_DEFAULT,
    as_expr,
    barrier_ratio,
    breakup_momentum_ir,
    int_power,
    lambda_ir,
    sqrt_complex,
)

__all__ = [
    "BarrierKind",
    "Sheet",
    "blatt_weisskopf",
    "blatt_weisskopf_custom",
    "breit_wigner",
    "q",
    "relativistic_breit_wigner",
    "relativistic_breit_wigner_custom",
    "rho",
]


class BarrierKind(enum.Enum):
    """Normalisation convention of Blatt–Weisskopf barrier factors.

    ``FULL`` is F_l(q) (→ 1 at q = q_R); ``TENSOR`` is F_l(q)/q^l, with the threshold power
    of q removed.

    Examples
    --------
    >>> BarrierKind.TENSOR
    BarrierKind.TENSOR
    """

    FULL = "full"
    TENSOR = "tensor"

    def __repr__(self) -> str:
        return f"BarrierKind.{self.name}"


class Sheet(enum.Enum):
    """Riemann sheet of the two-body functions :func:`q` and :func:`rho`.

    ``PHYSICAL`` is the principal branch; ``UNPHYSICAL`` flips the sign of q.

    Examples
    --------
    >>> Sheet.UNPHYSICAL
    Sheet.UNPHYSICAL
    """

    PHYSICAL = "physical"
    UNPHYSICAL = "unphysical"

    def __repr__(self) -> str:
        return f"Sheet.{self.name}"


def _sheet(sheet: Any) -> Sheet:
    if sheet is None:
        return Sheet.PHYSICAL
    if not isinstance(sheet, Sheet):
        raise ModelError(f"sheet must be Sheet.PHYSICAL, Sheet.UNPHYSICAL or None, got {sheet!r}")
    return sheet


def _kind(kind: Any) -> BarrierKind:
    if not isinstance(kind, BarrierKind):
        raise ModelError(f"kind must be BarrierKind.FULL or BarrierKind.TENSOR, got {kind!r}")
    return kind


def _orbital_l(l: Any, *, barrier: bool) -> int:
    value = doubled_value(l, "l", nonnegative=True, integer=True) // 2
    if barrier and value > BLATT_WEISSKOPF_MAX_L:
        raise ModelError(f"l must be at most {BLATT_WEISSKOPF_MAX_L} for Blatt-Weisskopf factors, got l={value}")
    return value


def _q_r(q_r: Any) -> Expression:
    e = as_expr(QR_DEFAULT if q_r is None else q_r, "q_r")
    if e.node.dtype != "real":
        raise ModelError(f"q_r must be real, positive and finite, got a complex value ({e.node.op})")
    if e.node.op == "const" and not float(e.node.attrs[0]) > 0.0:
        raise ModelError(f"q_r must be positive, got {e.node.attrs[0]}")
    return e


def q(s: Any, *, mass1: Any, mass2: Any, sheet: Sheet | None = None) -> Expression:
    """The complex two-body breakup momentum q = √λ(s, m1², m2²) / (2√s).

    Principal square roots: real and positive above threshold, +i|q| between the
    pseudo-threshold (m1−m2)² and the threshold (m1+m2)², and −q on ``Sheet.UNPHYSICAL``.

    Parameters
    ----------
    s : Expression or number
        Squared invariant mass (real or complex).
    mass1, mass2 : Expression or number
        Daughter masses.
    sheet : Sheet, optional
        ``Sheet.PHYSICAL`` (default) or ``Sheet.UNPHYSICAL``.

    Returns
    -------
    Expression
        Complex.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> round(fold([gl.q(1.44, mass1=0.4, mass2=0.5).node])[0].value.real, 12)
    0.395482300489
    """
    s_e, m1, m2 = as_expr(s, "s"), as_expr(mass1, "mass1"), as_expr(mass2, "mass2")
    value = breakup_momentum_ir(s_e, m1, m2)
    return -value if _sheet(sheet) is Sheet.UNPHYSICAL else value


def rho(s: Any, *, mass1: Any, mass2: Any, sheet: Sheet | None = None) -> Expression:
    """The complex two-body phase-space factor ρ = 2q/√s (see :func:`q` for the branches).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> round(fold([gl.rho(1.3, mass1=0.51, mass2=0.62).node])[0].value.real, 12)
    0.132679464261
    """
    s_e = as_expr(s, "s")
    return 2.0 * q(s_e, mass1=mass1, mass2=mass2, sheet=sheet) / sqrt_complex(s_e)


def _barrier(q_e: Expression, l: int, kind: BarrierKind, q_r: Expression) -> Expression:
    z = (q_e * q_e) / (q_r * q_r)
    full = to_complex(as_expr(1.0, "F") if l == 0 else sqrt(to_complex(barrier_ratio(z, l))))
    if kind is BarrierKind.TENSOR and l:
        return full / int_power(q_e, l)
    return full


def blatt_weisskopf(q: Any, *, l: Any, kind: BarrierKind) -> Expression:
    """The Blatt–Weisskopf barrier factor with q_R = 0.1973 GeV (see :func:`blatt_weisskopf_custom`).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> f = gl.blatt_weisskopf(0.1973, l=3, kind=gl.BarrierKind.FULL)
    >>> round(fold([f.node])[0].value.real, 12)
    1.0
    """
    q_e = as_expr(q, "q")
    return _barrier(q_e, _orbital_l(l, barrier=True), _kind(kind), _q_r(None))


def blatt_weisskopf_custom(q: Any, *, l: Any, kind: BarrierKind, q_r: Any) -> Expression:
    """The Blatt–Weisskopf barrier factor F_l(z), z = q²/q_R², with a chosen q_R.

    F_l = √(z^l D_l(1)/D_l(z)) with D_l(z) = |x^{l+1} h_l^{(1)}(x)|² at x² = z and the
    principal complex square root (normalised to F_l = 1 at q = q_R); ``BarrierKind.TENSOR``
    divides by q^l.  l = 6 uses the physical polynomial (laddu 0.28.1 has a typo there).

    Parameters
    ----------
    q : Expression or number
        Breakup momentum in GeV (real or complex, e.g. :func:`q`).
    l : L, int, float or fractions.Fraction
        Orbital angular momentum, 0..8.
    kind : BarrierKind
        ``FULL`` or ``TENSOR``.
    q_r : Expression or number
        Momentum scale in GeV: a positive number, or a real expression such as a bounded
        parameter.

    Returns
    -------
    Expression
        Complex.

    Raises
    ------
    ModelError
        For l outside 0..8 or not an integer, an unknown ``kind``, or a ``q_r`` that is not
        a positive finite number or a real expression.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> f = gl.blatt_weisskopf_custom(0.3, l=1, kind=gl.BarrierKind.FULL, q_r=0.3)
    >>> round(fold([f.node])[0].value.real, 12)
    1.0
    """
    q_e = as_expr(q, "q")
    return _barrier(q_e, _orbital_l(l, barrier=True), _kind(kind), _q_r(q_r))


def breit_wigner(s: Any, *, mass: Any, width: Any) -> Expression:
    """The constant-width Breit–Wigner 1/(m0² − s − i·m0·Γ0).

    Parameters
    ----------
    s : Expression or number
        Squared invariant mass.
    mass, width : Expression or number
        Pole mass m0 and width Γ0.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> a = fold([gl.breit_wigner(1.44, mass=1.2, width=0.13).node])[0].value
    >>> round(a.imag * 1.2 * 0.13, 12)  # i / (m0 Γ0) at the pole
    1.0
    """
    s_e, m0, w0 = as_expr(s, "s"), as_expr(mass, "mass"), as_expr(width, "width")
    return 1.0 / (m0 * m0 - s_e - 1j * (m0 * w0))


def relativistic_breit_wigner(s: Any, *, mass: Any, width: Any, mass1: Any, mass2: Any,
                              l: Any = None) -> Expression:
    """The relativistic Breit–Wigner with Blatt–Weisskopf barriers, q_R = 0.1973 GeV.

    Same as :func:`relativistic_breit_wigner_custom` with ``barrier_factors=True``; ``l``
    defaults to 0 (S-wave).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> a = gl.relativistic_breit_wigner(1.2**2, mass=1.2, width=0.13, mass1=0.4, mass2=0.5, l=1)
    >>> round(fold([a.node])[0].value.imag * 1.2 * 0.13, 12)  # i/(m0 Γ0) at s = m0²
    1.0
    """
    return relativistic_breit_wigner_custom(s, mass=mass, width=width, mass1=mass1, mass2=mass2,
                                            l=0 if l is None else l)


def _signed_q2(s: Expression, m1: Expression, m2: Expression) -> Expression:
    """q² = λ/(4s): real (signed) for real inputs, else complex; equals q·q of :func:`q`."""
    return lambda_ir(s, m1, m2) / (4.0 * s)


def relativistic_breit_wigner_custom(s: Any, *, mass: Any, width: Any, mass1: Any, mass2: Any, l: Any,
                                     barrier_factors: bool = True, q_r: Any = None) -> Expression:
    """The relativistic Breit–Wigner 1/(m0² − s − i·m0·Γ(s)) with a mass-dependent width.

    Γ(s) = Γ0·(m0/√s)·(q/q0)·(F_l(q)/F_l(q0))² with barriers, or Γ0·(m0/√s)·(q/q0)^{2l+1}
    with ``barrier_factors=False``; q = q(s), q0 = q(m0²) from :func:`q` and F_l the
    ``FULL`` Blatt–Weisskopf factor with scale ``q_r``.  No numerator, no ``abs()`` on m0 or Γ0
    (laddu 0.28.1).

    Parameters
    ----------
    s : Expression or number
        Squared invariant mass.
    mass, width : Expression or number
        Pole mass m0 and nominal width Γ0 (e.g. free parameters).
    mass1, mass2 : Expression or number
        Daughter masses.
    l : L, int, float or fractions.Fraction
        Orbital angular momentum (0..8 with barrier factors).
    barrier_factors : bool
        Include the Blatt–Weisskopf factors in the running width.
    q_r : Expression or number, optional
        Barrier momentum scale in GeV (default 0.1973); a positive number or a real
        expression (e.g. a bounded parameter).

    Returns
    -------
    Expression
        Complex.

    Raises
    ------
    ModelError
        For a bad ``l``, a ``barrier_factors`` that is not a bool, or a bad ``q_r``.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> bw = gl.relativistic_breit_wigner_custom(1.0, mass=1.2, width=0.1, mass1=0.1, mass2=0.2,
    ...                                          l=2, barrier_factors=False)
    >>> bw.node.dtype
    'complex'
    """
    if not isinstance(barrier_factors, bool):
        raise ModelError(f"barrier_factors must be True or False, got {barrier_factors!r}")
    l_int = _orbital_l(l, barrier=barrier_factors)
    s_e, m0, w0 = as_expr(s, "s"), as_expr(mass, "mass"), as_expr(width, "width")
    m1, m2 = as_expr(mass1, "mass1"), as_expr(mass2, "mass2")
    q_r_e = _q_r(q_r)
    m0_sq = m0 * m0
    q_s, q_0 = breakup_momentum_ir(s_e, m1, m2), breakup_momentum_ir(m0_sq, m1, m2)
    # Γ(s) = Γ0 m0 · [1 / (q0 F0²)] · [q F² / √s]: the last factor depends on s and the daughter
    # masses only, so with event-level s it is one cached column even when m0, Γ0 are free; the
    # reciprocal is a product factor too, so that with a fixed m0 and event-level daughter masses
    # the fold pass gathers both into one cached column and Γ0 stays a per-call scalar.
    if barrier_factors and l_int:
        scale2 = q_r_e * q_r_e
        f2 = barrier_ratio(_signed_q2(s_e, m1, m2) / scale2, l_int)
        f2_0 = barrier_ratio(_signed_q2(m0_sq, m1, m2) / scale2, l_int)
        # (F/F0)² = F²/F0² with F² = z^l D_l(1)/D_l(z) exactly (the square of a principal root).
        event_part = q_s * f2 / sqrt_complex(s_e)
        pole_part = (w0 * m0) * (1.0 / (q_0 * f2_0))
    else:
        power = 1 if barrier_factors else 2 * l_int + 1
        event_part = int_power(q_s, power) / sqrt_complex(s_e)
        pole_part = (w0 * m0) * (1.0 / int_power(q_0, power))
    return 1.0 / (m0_sq - s_e - (1j * m0 * pole_part) * event_part)
