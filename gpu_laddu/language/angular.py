"""Angular functions with laddu 0.28.1's names: ``spherical_harmonic``, ``WignerD`` and
``clebsch_gordan``.

``spherical_harmonic`` and ``WignerD`` build IR expressions: with event angles as inputs they
are parameter-free and become cache columns at load; with parameters as angles they run in
the fused kernels with analytic gradients.  ``clebsch_gordan`` is a number.

Examples
--------
>>> import gpu_laddu as gl
>>> y = gl.spherical_harmonic(2, 1, costheta=0.3, phi=0.5)
>>> y.node.dtype
'complex'
>>> round(gl.clebsch_gordan(j1=0.5, m1=0.5, j2=0.5, m2=-0.5, j=0, m=0), 12)
0.707106781187
"""

from __future__ import annotations

import math
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, to_complex
from gpu_laddu.language.quantum import doubled_value
from gpu_laddu.language.special import (
    as_expr,
    expr_cis,
    expr_cos,
    expr_sin,
    int_power,
    legendre_part,
    sqrt_complex,
)

__all__ = ["WignerD", "clebsch_gordan", "spherical_harmonic"]


def spherical_harmonic(l: Any, m: Any, *, costheta: Any, phi: Any) -> Expression:
    """The complex spherical harmonic Y_l^m(θ, φ) with the Condon–Shortley phase.

    Y_l^m = N P_l^{|m|}(cos θ) e^{imφ}, N = √((2l+1)/4π · (l−|m|)!/(l+|m|)!), times (−1)^m for
    m < 0 (laddu 0.28.1).  sin θ is the principal √(1 − cos²θ), so |cos θ| > 1 continues
    analytically, as in laddu.

    Parameters
    ----------
    l : L, int, float or fractions.Fraction
        Nonnegative integer orbital angular momentum (any size).
    m : M, int, float or fractions.Fraction
        Integer projection with −l <= m <= l.
    costheta : Expression or number
        Cosine of the polar angle (real or complex).
    phi : Expression or number
        Azimuthal angle in radians (real or complex).

    Returns
    -------
    Expression
        Complex.

    Raises
    ------
    ModelError
        If ``l`` is not a nonnegative integer, ``m`` not an integer, |m| > l, or an angle is
        not an expression or number.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> y = gl.spherical_harmonic(1, 0, costheta=1.0, phi=0.0)
    >>> round(fold([y.node])[0].value.real, 12) == round(math.sqrt(3 / (4 * math.pi)), 12)
    True
    """
    l_int = doubled_value(l, "l", nonnegative=True, integer=True) // 2
    m_int = doubled_value(m, "m", nonnegative=False, integer=True) // 2
    if abs(m_int) > l_int:
        raise ModelError(f"spherical_harmonic needs |m| <= l, got l={l_int}, m={m_int}")
    x = as_expr(costheta, "costheta")
    ph = as_expr(phi, "phi")
    am = abs(m_int)
    sign = -1.0 if m_int < 0 and am % 2 else 1.0
    value: Any = legendre_part(l_int, am, x)
    value = value * sign
    if am:
        sin2 = (1.0 - x) * (1.0 + x)
        if am % 2:
            value = value * sqrt_complex(sin2)
        if am > 1:
            value = value * int_power(sin2, am // 2)
    result = to_complex(as_expr(value, "value"))
    return result * expr_cis(m_int * ph) if m_int else result


class WignerD:
    """A fixed-index Wigner D-matrix element D^j_{m'm} and its small-d part (laddu 0.28.1).

    D^j_{m'm}(α, β, γ) = e^{−i m' α} d^j_{m'm}(β) e^{−i m γ}, with Wigner's sum for d in
    powers of cos(β/2) and sin(β/2).

    Parameters
    ----------
    j : J, S, L, int, float or fractions.Fraction
        Nonnegative integer or half-integer.
    m_prime, m : M, int, float or fractions.Fraction
        Projections with |m'|, |m| <= j, both integer or both half-integer like ``j``.

    Raises
    ------
    ModelError
        For a non-(half-)integer or negative ``j``, |m| > j or a projection whose
        integer/half-integer kind differs from ``j``'s, naming the argument.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> from gpu_laddu.passes.fold import fold
    >>> w = gl.WignerD(0.5, 0.5, 0.5)
    >>> round(fold([w.d(math.pi / 3).node])[0].value, 12) == round(math.cos(math.pi / 6), 12)
    True
    >>> w.D(alpha=gl.parameter("a"), beta=0.2).parameter_names
    ('a',)
    """

    __slots__ = ("_dj", "_dmp", "_dm", "_terms")

    def __init__(self, j: Any, m_prime: Any, m: Any) -> None:
        dj = doubled_value(j, "j", nonnegative=True, integer=False)
        dmp = doubled_value(m_prime, "m_prime", nonnegative=False, integer=False)
        dm = doubled_value(m, "m", nonnegative=False, integer=False)
        for name, d in (("m_prime", dmp), ("m", dm)):
            if abs(d) > dj:
                raise ModelError(f"WignerD needs |{name}| <= j, got j={dj / 2:g}, {name}={d / 2:g}")
            if (dj - d) % 2:
                raise ModelError(f"WignerD needs {name} to be integer or half-integer like j, "
                                 f"got j={dj / 2:g}, {name}={d / 2:g}")
        self._dj, self._dmp, self._dm = dj, dmp, dm
        self._terms = self._small_d_terms()

    def __repr__(self) -> str:
        return f"WignerD(j={self._dj / 2:g}, m_prime={self._dmp / 2:g}, m={self._dm / 2:g})"

    def _small_d_terms(self) -> tuple[tuple[float, int, int], ...]:
        dj, dmp, dm = self._dj, self._dmp, self._dm
        jpm, jmmp, delta = (dj + dm) // 2, (dj - dmp) // 2, (dmp - dm) // 2
        j_plus_mp, j_minus_m = (dj + dmp) // 2, (dj - dm) // 2
        ln_fact = [0.0] * (dj + 1)
        for i in range(1, dj + 1):
            ln_fact[i] = ln_fact[i - 1] + math.log(i)
        ln_pre = 0.5 * (ln_fact[j_plus_mp] + ln_fact[jmmp] + ln_fact[jpm] + ln_fact[j_minus_m])
        terms = []
        for s in range(max(0, -delta), min(jpm, jmmp) + 1):
            ln_den = ln_fact[jpm - s] + ln_fact[s] + ln_fact[delta + s] + ln_fact[jmmp - s]
            sign = 1.0 if (s + delta) % 2 == 0 else -1.0
            terms.append((sign * math.exp(ln_pre - ln_den), dj - delta - 2 * s, delta + 2 * s))
        return tuple(terms)

    def d(self, beta: Any) -> Expression:
        """The small-d element d^j_{m'm}(β) (real for a real β).

        Parameters
        ----------
        beta : Expression or number
            Polar Euler angle in radians.

        Examples
        --------
        >>> import gpu_laddu as gl
        >>> gl.WignerD(1, 0, 0).d(gl.parameter("b")).node.dtype
        'real'
        """
        half = 0.5 * as_expr(beta, "beta")
        ch, sh = expr_cos(half), expr_sin(half)
        total: Any = 0.0
        for coefficient, cos_power, sin_power in self._terms:
            term: Any = coefficient
            if cos_power:
                term = term * int_power(ch, cos_power)
            if sin_power:
                term = term * int_power(sh, sin_power)
            total = total + term
        return as_expr(total, "d")

    def D(self, *, alpha: Any, beta: Any, gamma: Any = None) -> Expression:  # noqa: N802 - laddu's name
        """The full complex element e^{−i(m'α + mγ)} d^j_{m'm}(β).

        Parameters
        ----------
        alpha, beta : Expression or number
            First two Euler angles in radians.
        gamma : Expression or number, optional
            Third Euler angle; zero when omitted.

        Examples
        --------
        >>> import gpu_laddu as gl
        >>> from gpu_laddu.passes.fold import fold
    >>> from gpu_laddu.passes.fold import fold
        >>> v = fold([gl.WignerD(1, 1, 0).D(alpha=0.4, beta=0.0).node])[0].value
        >>> abs(v) < 1e-15
        True
        """
        phase = (-0.5 * self._dmp) * as_expr(alpha, "alpha")
        if gamma is not None and self._dm:
            phase = phase + (-0.5 * self._dm) * as_expr(gamma, "gamma")
        elif gamma is not None:
            as_expr(gamma, "gamma")
        return expr_cis(phase) * self.d(beta)


def _binomial(n: int, k: int) -> int:
    return math.comb(n, k) if 0 <= k <= n else 0


def clebsch_gordan(*, j1: Any, m1: Any, j2: Any, m2: Any, j: Any, m: Any) -> float:
    """The Clebsch–Gordan coefficient ⟨j1 m1, j2 m2 | j m⟩ (Condon–Shortley convention).

    Selection-rule violations (|m_i| > j_i, a projection of the wrong integer/half-integer
    kind, m1 + m2 ≠ m, the triangle rule) give 0.0, as in laddu 0.28.1.

    Parameters
    ----------
    j1, j2, j : J, S, L, int, float or fractions.Fraction
        Nonnegative integers or half-integers.
    m1, m2, m : M, int, float or fractions.Fraction
        Integer or half-integer projections.

    Returns
    -------
    float

    Raises
    ------
    ModelError
        If an argument is not an integer or half-integer, or a j is negative (naming it).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> round(gl.clebsch_gordan(j1=1, m1=1, j2=0.5, m2=-0.5, j=1.5, m=0.5), 12)
    0.57735026919
    >>> gl.clebsch_gordan(j1=1, m1=1, j2=1, m2=0, j=3, m=1)
    0.0
    """
    dj1 = doubled_value(j1, "j1", nonnegative=True, integer=False)
    dj2 = doubled_value(j2, "j2", nonnegative=True, integer=False)
    dj3 = doubled_value(j, "j", nonnegative=True, integer=False)
    dm1 = doubled_value(m1, "m1", nonnegative=False, integer=False)
    dm2 = doubled_value(m2, "m2", nonnegative=False, integer=False)
    dm3 = doubled_value(m, "m", nonnegative=False, integer=False)
    for dj_, dm_ in ((dj1, dm1), (dj2, dm2), (dj3, dm3)):
        if (dj_ - dm_) % 2 or abs(dm_) > dj_:
            return 0.0
    if not (abs(dj1 - dj2) <= dj3 <= dj1 + dj2) or (dj1 + dj2 - dj3) % 2 or dm1 + dm2 != dm3:
        return 0.0
    # Port of laddu's (WignerSymbol) binomial formula, in exact integers.
    jj = (dj1 + dj2 + dj3) // 2
    jm1, jm2, jm3 = jj - dj1, jj - dj2, jj - dj3
    j1mm1, j2mm2, j3mm3 = (dj1 - dm1) // 2, (dj2 - dm2) // 2, (dj3 - dm3) // 2
    j2pm2 = (dj2 + dm2) // 2
    a = math.sqrt(_binomial(dj1, jm2) * _binomial(dj2, jm3)
                  / (_binomial(jj + 1, jm3) * _binomial(dj1, j1mm1) * _binomial(dj2, j2mm2)
                     * _binomial(dj3, j3mm3)))
    k_min = max(0, j1mm1 - jm2, j2pm2 - jm1)
    k_max = min(jm3, j1mm1, j2pm2)
    b = 0
    for z in range(k_min, k_max + 1):
        b = -b + _binomial(jm3, z) * _binomial(jm2, j1mm1 - z) * _binomial(jm1, j2pm2 - z)
    return a * (-1 if k_max % 2 else 1) * b
