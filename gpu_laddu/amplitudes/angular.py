"""Angular amplitudes: Ylm, Zlm and PolPhase (parameter-free: each is one cached column).

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

from dataclasses import dataclass
from typing import Any

from gpu_laddu.amplitudes import functions as F
from gpu_laddu.amplitudes.base import VariableColumn, check_name
from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, amplitude
from gpu_laddu.ir.nodes import column


def _values(ds: Any, memo: dict[Any, Any], *variables: Any) -> list[Any]:
    return [VariableColumn(v).compute(ds, memo) for v in variables]


def _union(*objects: Any) -> tuple[frozenset[str], frozenset[str]]:
    p4s: frozenset[str] = frozenset()
    scalars: frozenset[str] = frozenset()
    for obj in objects:
        a, b = obj.required_columns()
        p4s, scalars = p4s | frozenset(a), scalars | frozenset(b)
    return p4s, scalars


def _check_angles(angles: Any, what: str) -> None:
    if not (hasattr(angles, "costheta") and hasattr(angles, "phi")):
        raise ModelError(f"{what} needs an Angles object (with .costheta and .phi), got {angles!r}")


def _check_polarization(pol: Any, what: str) -> None:
    if not (hasattr(pol, "pol_angle") and hasattr(pol, "pol_magnitude")):
        raise ModelError(f"{what} needs a Polarization object (with .pol_angle and .pol_magnitude), got {pol!r}")


@dataclass(frozen=True)
class YlmColumn:
    """Y_l^m(cos θ, φ) per event."""

    l: int
    m: int
    angles: Any
    dtype = "complex"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("ylm", self.l, self.m, self.angles.key)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        costheta, phi = _values(dataset, memo, self.angles.costheta, self.angles.phi)
        return F.ylm(self.l, self.m, costheta, phi, xp=dataset.ctx.xp)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return _union(self.angles)


@dataclass(frozen=True)
class ZlmColumn:
    """Z_l^m with reflectivity ε per event (laddu's Zlm)."""

    l: int
    m: int
    reflectivity: int
    angles: Any
    polarization: Any
    dtype = "complex"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("zlm", self.l, self.m, self.reflectivity, self.angles.key, self.polarization.key)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        a, p = self.angles, self.polarization
        costheta, phi, pol_angle, pol_mag = _values(dataset, memo, a.costheta, a.phi, p.pol_angle, p.pol_magnitude)
        return F.zlm(self.l, self.m, self.reflectivity, costheta, phi, pol_angle, pol_mag, xp=dataset.ctx.xp)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return _union(self.angles, self.polarization)


@dataclass(frozen=True)
class PolPhaseColumn:
    """P·e^{2iΦ} per event."""

    polarization: Any
    dtype = "complex"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("polphase", self.polarization.key)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        p = self.polarization
        pol_angle, pol_mag = _values(dataset, memo, p.pol_angle, p.pol_magnitude)
        return F.pol_phase(pol_angle, pol_mag, xp=dataset.ctx.xp)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return _union(self.polarization)


def Ylm(name: str, l: int, m: int, angles: Any) -> Expression:  # noqa: N802 - public API name
    """Spherical harmonic Y_l^m(θ, φ) (Condon–Shortley phase), any l and |m| ≤ l.

    >>> import gpu_laddu as gl
    >>> gl.Ylm("Y11", 1, 1, gl.Angles("beam", "proton", "k1", ["k1", "k2"])).parameter_names
    ()
    """
    _check_angles(angles, f"Ylm {name!r}")
    l, m = F.validate_lm(l, m)
    return amplitude(check_name(name), Expression(column(YlmColumn(l, m, angles))))


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
    return amplitude(check_name(name), Expression(column(ZlmColumn(l, m, sign, angles, polarization))))


def PolPhase(name: str, polarization: Any) -> Expression:  # noqa: N802
    """Polarisation phase P·e^{2iΦ}.

    >>> import gpu_laddu as gl
    >>> gl.PolPhase("phase", gl.Polarization("beam", "proton")).node.dtype
    'complex'
    """
    _check_polarization(polarization, f"PolPhase {name!r}")
    return amplitude(check_name(name), Expression(column(PolPhaseColumn(polarization))))
