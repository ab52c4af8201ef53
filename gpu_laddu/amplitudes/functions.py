"""Vectorised special functions of amplitude analysis (laddu 0.28.1 conventions).

Every function is written against an array namespace ``xp`` (numpy or cupy): it is taken
from the ``xp=`` keyword, or else from the inputs (a cupy array selects cupy, anything else
numpy).  Loops run over quantum numbers only, never over events, and complex arithmetic is
explicit so that the branch of every square root and logarithm is the one laddu 0.28.1 takes.

Conventions
-----------
* ``s`` is a real, positive squared invariant mass; masses are real.
* Two-body kinematics: χ± = 1 − (m1 ± m2)²/s, signed q² = λ(s, m1², m2²)/(4s) (negative between
  the pseudo-threshold and the threshold), and complex q = √(q² + 0i) (physical sheet:
  real and positive above threshold, +i|q| below it).
* Blatt–Weisskopf factors take the *signed* q², z = q²/q_R² with q_R = 0.1973 GeV, and are the
  principal square root of z^l D_l(1)/D_l(z); D_l(z) = |x^{l+1} h_l^{(1)}(x)|² at x² = z.
  For l = 6 this is the physical polynomial with constant term 10395² = 108056025 (laddu 0.28.1
  writes 18261468225 there, the l = 7 constant, so that its F_6(1) = 0.0805 instead of 1).

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.amplitudes.functions import breakup_momentum
>>> breakup_momentum(np.array([1.0, 0.5]), 0.497611, 0.497611).round(6)
array([0.048819+0.j      , 0.      +0.350167j])
"""

from __future__ import annotations

import math
import sys
from types import ModuleType
from typing import Any

import numpy as np

from gpu_laddu.errors import ModelError
from gpu_laddu.language.special import (
    BLATT_WEISSKOPF_DENOMINATORS,
    BLATT_WEISSKOPF_MAX_L,
    QR_DEFAULT,
    barrier_ratio,
    legendre_part,
    validate_barrier_l,
    validate_lm,
)

__all__ = [
    "BLATT_WEISSKOPF_DENOMINATORS",
    "BLATT_WEISSKOPF_MAX_L",
    "QR_DEFAULT",
    "array_namespace",
    "blatt_weisskopf",
    "breakup_momentum",
    "breakup_momentum_squared",
    "breit_wigner",
    "chew_mandelstam",
    "chi_minus",
    "chi_plus",
    "flatte",
    "phase_space_factor",
    "pol_phase",
    "reflectivity_sign",
    "rho",
    "validate_barrier_l",
    "validate_lm",
    "ylm",
    "zlm",
]

Array = Any
"""A numpy or cupy array (or a Python scalar where an argument allows it)."""

def array_namespace(*arrays: object) -> ModuleType:
    """The array module of the inputs: cupy if any input is a cupy array, numpy otherwise.

    cupy is never imported here: a cupy array can only exist once cupy has been imported.

    Examples
    --------
    >>> import numpy as np
    >>> array_namespace(np.zeros(2), 1.0).__name__
    'numpy'
    """
    for array in arrays:
        if type(array).__module__.split(".", 1)[0] == "cupy":
            return sys.modules["cupy"]
    return np


def _namespace(xp: ModuleType | None, *arrays: object) -> ModuleType:
    return array_namespace(*arrays) if xp is None else xp


def reflectivity_sign(reflectivity: int | str) -> int:
    """The sign (+1 or -1) of a reflectivity given as ``+1``, ``-1``, ``"+"`` or ``"-"``.

    Raises
    ------
    ModelError
        For any other value.

    Examples
    --------
    >>> reflectivity_sign("-"), reflectivity_sign(1)
    (-1, 1)
    """
    if isinstance(reflectivity, str):
        signs = {"+": 1, "-": -1}
        if reflectivity in signs:
            return signs[reflectivity]
    elif not isinstance(reflectivity, bool) and isinstance(reflectivity, (int, np.integer)) and reflectivity in (1, -1):
        return int(reflectivity)
    raise ModelError(f"reflectivity must be +1, -1, '+' or '-', got {reflectivity!r}")


def chi_plus(s: Array, m1: Array, m2: Array, *, xp: ModuleType | None = None) -> Array:
    """χ+ = 1 − (m1 + m2)²/s.

    Examples
    --------
    >>> float(chi_plus(4.0, 0.5, 0.5))
    0.75
    """
    xp = _namespace(xp, s)
    return 1.0 - (m1 + m2) ** 2 / xp.asarray(s, dtype=xp.float64)


def chi_minus(s: Array, m1: Array, m2: Array, *, xp: ModuleType | None = None) -> Array:
    """χ− = 1 − (m1 − m2)²/s.

    Examples
    --------
    >>> float(chi_minus(4.0, 0.5, 1.5))
    0.75
    """
    xp = _namespace(xp, s)
    return 1.0 - (m1 - m2) ** 2 / xp.asarray(s, dtype=xp.float64)


def breakup_momentum_squared(s: Array, m1: Array, m2: Array, *, xp: ModuleType | None = None) -> Array:
    """Signed squared breakup momentum q² = (s − (m1+m2)²)(s − (m1−m2)²)/(4s), real.

    Negative between the pseudo-threshold (m1−m2)² and the threshold (m1+m2)².

    Examples
    --------
    >>> round(float(breakup_momentum_squared(1.0, 0.1349768, 0.1349768)), 8)
    0.23178126
    """
    xp = _namespace(xp, s)
    s = xp.asarray(s, dtype=xp.float64)
    return (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2) / (4.0 * s)


def breakup_momentum(s: Array, m1: Array, m2: Array, *, xp: ModuleType | None = None) -> Array:
    """Complex two-body breakup momentum q(s) on the physical sheet (laddu 0.28.1 ``q``).

    q = √λ(s, m1², m2²) / (2√s): real and positive above threshold, +i|q| between the
    pseudo-threshold and the threshold, real and positive again below the pseudo-threshold.

    Examples
    --------
    >>> complex(breakup_momentum(0.5, 0.493677, 0.497611)).imag > 0
    True
    """
    xp = _namespace(xp, s)
    s = xp.asarray(s, dtype=xp.float64)
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    return xp.sqrt(lam + 0j) / (2.0 * xp.sqrt(s))


def rho(s: Array, m1: Array, m2: Array, *, xp: ModuleType | None = None) -> Array:
    """Complex two-body phase-space factor ρ = 2q/√s (laddu 0.28.1 ``rho``).

    Examples
    --------
    >>> round(complex(rho(100.0, 0.1349768, 0.1349768)).real, 6)
    0.999636
    """
    xp = _namespace(xp, s)
    s = xp.asarray(s, dtype=xp.float64)
    return 2.0 * breakup_momentum(s, m1, m2, xp=xp) / xp.sqrt(s)


def chew_mandelstam(s: Array, m1: float, m2: float, *, xp: ModuleType | None = None) -> Array:
    """Chew–Mandelstam function C(s) of a two-body channel on the physical sheet.

    C = [ρ ln((χ+ + ρ)/(χ+ − ρ)) − χ+ (m2 − m1)/(m1 + m2) ln(m2/m1)] / π, with the principal
    logarithm of the *ratio* and ln → ln|·| − iπ on the cut above threshold, so that
    Im C = −ρ there (laddu 0.28.1).

    Examples
    --------
    >>> round(complex(chew_mandelstam(1.2, 0.547862, 0.95778)).real, 7)
    0.4756165
    """
    xp = _namespace(xp, s)
    s = xp.asarray(s, dtype=xp.float64)
    cp = chi_plus(s, m1, m2, xp=xp)
    # ρ = y (real) where λ ≥ 0, ρ = i·y between the pseudo-threshold and the threshold; the
    # log of the ratio is then ln|(χ+ + y)/(χ+ − y)| (positive ratio below the pseudo-threshold,
    # its −iπ branch above the threshold) or i·θ with θ = arg((χ+ + iy)/(χ+ − iy)) = 2·atan2(y, χ+)
    # wrapped to (−π, π], so that ρ·ln(...) is real there.  Real arithmetic only.
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    y = xp.sqrt(xp.abs(lam)) / s
    is_open = lam >= 0
    y_open = xp.where(is_open, y, 0.0)
    y_closed = y - y_open
    theta = 2.0 * xp.arctan2(y_closed, cp)
    theta = xp.where(theta > math.pi, theta - 2.0 * math.pi, theta)
    offset = ((m2 - m1) / (m1 + m2)) * math.log(m2 / m1)
    real = (y_open * xp.log(xp.abs((cp + y_open) / (cp - y_open))) - y_closed * theta - cp * offset) / math.pi
    return real - 1j * xp.where(s > (m1 + m2) ** 2, y_open, 0.0)


def blatt_weisskopf(q2: Array, l: int, *, q_r: float = QR_DEFAULT, xp: ModuleType | None = None) -> Array:
    """Blatt–Weisskopf barrier factor F_l(z), z = q²/q_R², normalised to F_l(1) = 1.

    F_l = √(z^l D_l(1) / D_l(z)) with the principal complex square root, so F_l is imaginary
    for odd l when −1 < z < 0.  ``q2`` is the *signed* squared breakup momentum (see
    :func:`breakup_momentum_squared`), as in laddu 0.28.1 ``blatt_weisskopf(q, kind=FULL)``.

    Parameters
    ----------
    q2 : array
        Signed squared breakup momentum in GeV².
    l : int
        Orbital angular momentum, 0..8.
    q_r : float
        Momentum scale in GeV.

    Returns
    -------
    array of complex

    Raises
    ------
    ModelError
        If ``l`` is not an integer in 0..8.

    Examples
    --------
    >>> complex(blatt_weisskopf(0.1973**2, 5))
    (1+0j)
    >>> round(complex(blatt_weisskopf(-0.3 * 0.1973**2, 1)).imag, 7)
    0.9258201
    """
    l = validate_barrier_l(l)
    xp = _namespace(xp, q2)
    z = xp.asarray(q2, dtype=xp.float64) / q_r**2
    return xp.sqrt(xp.zeros_like(z) + barrier_ratio(z, l) + 0j)


def breit_wigner(
    s: Array,
    m0: Array,
    w0: Array,
    l: int,
    m1: Array,
    m2: Array,
    *,
    q_r: float = QR_DEFAULT,
    xp: ModuleType | None = None,
) -> Array:
    """Relativistic Breit–Wigner with a mass-dependent width (laddu 0.28.1).

    A = 1 / (m0² − s − i m0 Γ(s)), Γ(s) = Γ0 (m0/√s) (q/q0) (F_l(q)/F_l(q0))², with complex q,
    q0 = q(m0²) and the signed-q² barriers of :func:`blatt_weisskopf`.  No numerator and no
    ``abs()`` on m0 or Γ0: Γ0 → −Γ0 conjugates A above threshold and m0 enters only squared.

    Parameters
    ----------
    s : array
        Squared invariant mass of the resonance's daughters.
    m0, w0 : float or array
        Nominal mass and width (scalars, or arrays broadcasting against ``s``).
    l : int
        Orbital angular momentum of the decay, 0..8.
    m1, m2 : float or array
        Daughter masses.
    q_r : float
        Blatt–Weisskopf momentum scale in GeV.

    Raises
    ------
    ModelError
        If ``l`` is not an integer in 0..8.

    Examples
    --------
    >>> a = complex(breit_wigner(1.37437863**2, 1.5, 0.1, 2, 0.498, 0.498))
    >>> round(a.real, 7), round(a.imag, 7)
    (2.5086842, 0.8088032)
    """
    l = validate_barrier_l(l)
    xp = _namespace(xp, s, m0, w0)
    s = xp.asarray(s, dtype=xp.float64)
    m0_sq = xp.asarray(m0, dtype=xp.float64) ** 2
    q = breakup_momentum(s, m1, m2, xp=xp)
    q0 = breakup_momentum(m0_sq, m1, m2, xp=xp)
    f = blatt_weisskopf(breakup_momentum_squared(s, m1, m2, xp=xp), l, q_r=q_r, xp=xp)
    f0 = blatt_weisskopf(breakup_momentum_squared(m0_sq, m1, m2, xp=xp), l, q_r=q_r, xp=xp)
    width = w0 * (m0 / xp.sqrt(s)) * (q / q0) * (f / f0) ** 2
    return 1.0 / (m0_sq - s - 1j * m0 * width)


def flatte(
    s: Array,
    m0: Array,
    g_obs: Array,
    g_alt: Array,
    obs_masses: tuple[float, float],
    alt_masses: tuple[float, float],
    *,
    xp: ModuleType | None = None,
) -> Array:
    """Flatté line shape 1 / (m0² − s − i m0 (g_obs ρ_obs(s) + g_alt ρ_alt(s))).

    ρ is the complex phase-space factor :func:`rho` of each channel's daughter masses, so a
    closed channel contributes a real shift.

    Examples
    --------
    >>> a = complex(flatte(0.98**2, 0.98, 0.2, 0.4, (0.1349768, 0.547862), (0.493677, 0.497611)))
    >>> round(a.real, 6), round(a.imag, 6)
    (3.010925, 6.433957)
    """
    xp = _namespace(xp, s, m0, g_obs, g_alt)
    s = xp.asarray(s, dtype=xp.float64)
    widths = g_obs * rho(s, *obs_masses, xp=xp) + g_alt * rho(s, *alt_masses, xp=xp)
    return 1.0 / (m0 * m0 - s - 1j * m0 * widths)


def phase_space_factor(
    recoil_mass: Array,
    daughter_1_mass: Array,
    daughter_2_mass: Array,
    resonance_mass: Array,
    mandelstam_s: Array,
    *,
    xp: ModuleType | None = None,
) -> Array:
    """Three-body phase-space factor √(Re ρ(m²) · m / (s − m_recoil²)² / (2 (4π)⁵)), real.

    ``m`` is the resonance mass, ρ its two-body phase space into the two daughters, ``s`` the
    Mandelstam s of the reaction (laddu ``PhaseSpaceFactor``); zero below threshold.

    Examples
    --------
    >>> f = phase_space_factor(1.007, 0.498, 0.498, 1.37437863, 18.50401105)
    >>> print(f"{float(f):.7e}")
    7.0284176e-05
    """
    xp = _namespace(xp, recoil_mass, daughter_1_mass, daughter_2_mass, resonance_mass, mandelstam_s)
    m = xp.asarray(resonance_mass, dtype=xp.float64)
    rho_re = rho(m * m, daughter_1_mass, daughter_2_mass, xp=xp).real
    return xp.sqrt(rho_re * m / (mandelstam_s - recoil_mass**2) ** 2 / (2.0 * (4.0 * math.pi) ** 5))


def ylm(l: int, m: int, costheta: Array, phi: Array, *, xp: ModuleType | None = None) -> Array:
    """Complex spherical harmonic Y_l^m(θ, φ) with the Condon–Shortley phase, any l and |m| <= l.

    Uses the normalised associated-Legendre recurrence (stable to high l), and
    Y_l^{−m} = (−1)^m P̃_l^m e^{−imφ} for m < 0.  Rounding excursions |cosθ| > 1 count as ±1.

    Raises
    ------
    ModelError
        If ``l < 0``, ``|m| > l`` or either is not an integer.

    Examples
    --------
    >>> y = complex(ylm(1, 1, 0.0, 0.0))
    >>> round(y.real, 7) == round(-(3 / (8 * 3.141592653589793)) ** 0.5, 7)
    True
    """
    l, m = validate_lm(l, m)
    xp = _namespace(xp, costheta, phi)
    x = xp.asarray(costheta, dtype=xp.float64)
    am = abs(m)
    sin_theta = xp.sqrt(xp.maximum((1.0 - x) * (1.0 + x), 0.0))
    p = (xp.zeros_like(x) + legendre_part(l, am, x)) * sin_theta**am
    if m < 0 and am % 2 == 1:
        p = -p
    return p * xp.exp(1j * m * xp.asarray(phi, dtype=xp.float64))


def zlm(
    l: int,
    m: int,
    reflectivity: int | str,
    costheta: Array,
    phi: Array,
    pol_angle: Array,
    pol_magnitude: Array,
    *,
    xp: ModuleType | None = None,
) -> Array:
    """Polarised-photoproduction harmonic Z_l^m with reflectivity ε (laddu ``Zlm``).

    Z = Y_l^m(θ, φ) e^{−iΦ}; for ε = + the value is √(1+P) Re Z + i √(1−P) Im Z, for ε = −
    the square roots swap (P = polarisation magnitude, Φ = polarisation angle).

    Raises
    ------
    ModelError
        For bad ``l``/``m`` or a reflectivity other than +1, −1, ``"+"``, ``"-"``.

    Examples
    --------
    >>> z = complex(zlm(2, 1, "+", -0.4611175, -2.65746258, 1.93592989, 0.38562805))
    >>> round(z.real, 7), round(z.imag, 7)
    (-0.0441732, 0.2460144)
    """
    sign = reflectivity_sign(reflectivity)
    xp = _namespace(xp, costheta, phi, pol_angle, pol_magnitude)
    z = ylm(l, m, costheta, phi, xp=xp) * xp.exp(-1j * xp.asarray(pol_angle, dtype=xp.float64))
    plus = xp.sqrt(1.0 + xp.asarray(pol_magnitude, dtype=xp.float64))
    minus = xp.sqrt(1.0 - xp.asarray(pol_magnitude, dtype=xp.float64))
    if sign > 0:
        return plus * z.real + 1j * (minus * z.imag)
    return minus * z.real + 1j * (plus * z.imag)


def pol_phase(pol_angle: Array, pol_magnitude: Array, *, xp: ModuleType | None = None) -> Array:
    """Polarisation phase P e^{2iΦ} (laddu ``PolPhase``).

    Examples
    --------
    >>> complex(pol_phase(0.0, 0.4))
    (0.4+0j)
    """
    xp = _namespace(xp, pol_angle, pol_magnitude)
    return pol_magnitude * xp.exp(2j * xp.asarray(pol_angle, dtype=xp.float64))
