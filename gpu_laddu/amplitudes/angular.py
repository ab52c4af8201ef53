"""Angular amplitudes: Ylm, Zlm and PolPhase, as recipes over the language primitives.

Each is parameter-free, so the split pass precomputes it into one cached column at load.
``Ylm`` is :func:`~gpu_laddu.language.angular.spherical_harmonic` of the angles; ``Zlm`` is
laddu 0.28.1's recipe Y·e^{−iΦ} with the reflectivity's √(1 ± P) weights; ``PolPhase`` is
P·e^{2iΦ}.

Examples
--------
>>> import gpu_laddu as gl
>>> angles = gl.Angles("beam", "proton", "kshort1", ["kshort1", "kshort2"])
>>> pol = gl.Polarization("beam", "proton")
>>> z = gl.Zlm("Z22+", 2, 2, "+", angles, pol)
>>> z.amplitude_names, z.node.dtype
(('Z22+',), 'complex')
"""

from __future__ import annotations

from typing import Any

from gpu_laddu.amplitudes import functions as F
from gpu_laddu.amplitudes.base import check_name, variable_expr
from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, amplitude, cis, complex_, sqrt
from gpu_laddu.language.angular import spherical_harmonic


def _check_angles(angles: Any, what: str) -> None:
    if not (hasattr(angles, "costheta") and hasattr(angles, "phi")):
        raise ModelError(f"{what} needs an Angles object (with .costheta and .phi), got {angles!r}")


def _check_polarization(pol: Any, what: str) -> None:
    if not (hasattr(pol, "pol_angle") and hasattr(pol, "pol_magnitude")):
        raise ModelError(f"{what} needs a Polarization object (with .pol_angle and .pol_magnitude), got {pol!r}")


def Ylm(name: str, l: int, m: int, angles: Any) -> Expression:  # noqa: N802 - public API name
    """Spherical harmonic Y_l^m(θ, φ) (Condon–Shortley phase), any l and |m| ≤ l.

    >>> import gpu_laddu as gl
    >>> gl.Ylm("Y11", 1, 1, gl.Angles("beam", "proton", "k1", ["k1", "k2"])).parameter_names
    ()
    """
    _check_angles(angles, f"Ylm {name!r}")
    l, m = F.validate_lm(l, m)
    return amplitude(check_name(name), _ylm(l, m, angles))


def _ylm(l: int, m: int, angles: Any) -> Expression:
    return spherical_harmonic(l, m, costheta=variable_expr(angles.costheta), phi=variable_expr(angles.phi))


def Zlm(name: str, l: int, m: int, r: int | str, angles: Any, polarization: Any) -> Expression:  # noqa: N802
    """Z_l^m with reflectivity ``r`` (``"+"``/``"-"`` or ±1) for a linearly polarised beam.

    Z = Y_l^m e^{−iΦ}; r = +: √(1+P) Re Z + i√(1−P) Im Z; r = −: the square roots swap.

    >>> import gpu_laddu as gl
    >>> ang = gl.Angles("beam", "proton", "k1", ["k1", "k2"])
    >>> gl.Zlm("Z00-", 0, 0, "-", ang, gl.Polarization("beam", "proton")).amplitude_names
    ('Z00-',)
    """
    _check_angles(angles, f"Zlm {name!r}")
    _check_polarization(polarization, f"Zlm {name!r}")
    l, m = F.validate_lm(l, m)
    sign = F.reflectivity_sign(r)
    z = _ylm(l, m, angles) * cis(-variable_expr(polarization.pol_angle))
    magnitude = variable_expr(polarization.pol_magnitude)
    plus, minus = sqrt(1.0 + magnitude), sqrt(1.0 - magnitude)
    re_factor, im_factor = (plus, minus) if sign > 0 else (minus, plus)
    return amplitude(check_name(name), complex_(re_factor * z.real(), im_factor * z.imag()))


def PolPhase(name: str, polarization: Any) -> Expression:  # noqa: N802
    """Polarisation phase P·e^{2iΦ}.

    >>> import gpu_laddu as gl
    >>> gl.PolPhase("phase", gl.Polarization("beam", "proton")).node.dtype
    'complex'
    """
    _check_polarization(polarization, f"PolPhase {name!r}")
    angle, magnitude = variable_expr(polarization.pol_angle), variable_expr(polarization.pol_magnitude)
    return amplitude(check_name(name), magnitude * cis(2.0 * angle))
