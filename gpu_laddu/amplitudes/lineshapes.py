"""Line shapes: BreitWigner, Flatte and PhaseSpaceFactor.

The Breit–Wigner and Flatté formulas are written once, in the IR: their per-event parts
(s, q(s), barrier factors, phase space) depend on no parameter and are precomputed into
cache columns by the split pass, while the parts that depend on free masses, widths or
couplings are evaluated per call with exact analytic derivatives.

Examples
--------
>>> import gpu_laddu as gl
>>> res = gl.Mass(["kshort1", "kshort2"])
>>> bw = gl.BreitWigner("f2", gl.constant(1.517), gl.parameter("w"), 2,
...                     gl.Mass("kshort1"), gl.Mass("kshort2"), res)
>>> bw.parameter_names
('w',)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gpu_laddu.amplitudes import functions as F
from gpu_laddu.amplitudes.base import ParameterLike, VariableColumn, check_name, real_parameter, variable_expr
from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, amplitude, to_complex
from gpu_laddu.ir.nodes import column
from gpu_laddu.language.lineshapes import relativistic_breit_wigner, rho
from gpu_laddu.language.special import validate_barrier_l

__all__ = ["BreitWigner", "Flatte", "PhaseSpaceFactor"]


def BreitWigner(  # noqa: N802 - public API name
    name: str,
    mass: ParameterLike,
    width: ParameterLike,
    l: int,
    daughter_1_mass: Any,
    daughter_2_mass: Any,
    resonance_mass: Any,
) -> Expression:
    """Relativistic Breit–Wigner of laddu 0.28.1: 1/(m0² − s − i·m0·Γ(s)).

    A recipe: ``relativistic_breit_wigner(m², mass=mass, width=width, mass1=m1, mass2=m2, l=l)``
    of the three variables, wrapped as the named amplitude.

    Γ(s) = Γ0·(m0/√s)·(q/q0)·(F_l(q)/F_l(q0))², complex q, q0 = q(m0²), Blatt–Weisskopf
    barriers up to l = 8 with q_R = 0.1973 GeV; no numerator.  ``daughter_1_mass``,
    ``daughter_2_mass`` and ``resonance_mass`` are variables (e.g. ``gl.Mass(...)``).

    >>> import gpu_laddu as gl
    >>> m = gl.Mass(["a", "b"])
    >>> gl.BreitWigner("f0", 1.5, 0.1, 0, gl.Mass("a"), gl.Mass("b"), m).node.dtype
    'complex'
    """
    name = check_name(name)
    l = validate_barrier_l(l)
    m0 = real_parameter(mass, f"BreitWigner {name!r} mass")
    w0 = real_parameter(width, f"BreitWigner {name!r} width")
    m = variable_expr(resonance_mass)
    return amplitude(name, relativistic_breit_wigner(m * m, mass=m0, width=w0, mass1=variable_expr(daughter_1_mass),
                                                     mass2=variable_expr(daughter_2_mass), l=l))


def _mass_pair(masses: Any, what: str) -> tuple[float, float]:
    try:
        m1, m2 = (float(x) for x in masses)
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a pair of daughter masses (m1, m2), got {masses!r}") from None
    if not (math.isfinite(m1) and math.isfinite(m2) and m1 >= 0 and m2 >= 0):
        raise ModelError(f"{what} must be finite and non-negative, got {masses!r}")
    return m1, m2


def Flatte(  # noqa: N802 - public API name
    name: str,
    mass: ParameterLike,
    g_observed: ParameterLike,
    g_alternate: ParameterLike,
    observed_masses: tuple[float, float],
    alternate_masses: tuple[float, float],
    resonance_mass: Any,
) -> Expression:
    """Flatté line shape 1/(m0² − s − i·m0·(g_obs·ρ_obs(s) + g_alt·ρ_alt(s))).

    ρ is the complex two-body phase space 2q/√s of each channel's daughter masses.

    >>> import gpu_laddu as gl
    >>> gl.Flatte("a0", 0.98, gl.parameter("g1"), gl.parameter("g2"), (0.135, 0.548),
    ...           (0.494, 0.498), gl.Mass(["a", "b"])).parameter_names
    ('g1', 'g2')
    """
    name = check_name(name)
    m0 = real_parameter(mass, f"Flatte {name!r} mass")
    g_obs = real_parameter(g_observed, f"Flatte {name!r} g_observed")
    g_alt = real_parameter(g_alternate, f"Flatte {name!r} g_alternate")
    obs = _mass_pair(observed_masses, f"Flatte {name!r} observed_masses")
    alt = _mass_pair(alternate_masses, f"Flatte {name!r} alternate_masses")
    m = variable_expr(resonance_mass)
    s = m * m
    rho_obs = rho(s, mass1=obs[0], mass2=obs[1])
    rho_alt = rho(s, mass1=alt[0], mass2=alt[1])
    return amplitude(name, 1.0 / (m0 * m0 - s - 1j * (m0 * (g_obs * rho_obs + g_alt * rho_alt))))


@dataclass(frozen=True)
class PhaseSpaceColumn:
    """The three-body phase-space factor per event (real)."""

    recoil_mass: Any
    daughter_1_mass: Any
    daughter_2_mass: Any
    resonance_mass: Any
    mandelstam_s: Any
    dtype = "real"

    @property
    def variables(self) -> tuple[Any, ...]:
        return (self.recoil_mass, self.daughter_1_mass, self.daughter_2_mass, self.resonance_mass, self.mandelstam_s)

    @property
    def key(self) -> tuple[Any, ...]:
        return ("phase_space_factor", *(v.key for v in self.variables))

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        values = [VariableColumn(v).compute(dataset, memo) for v in self.variables]
        return F.phase_space_factor(*values, xp=dataset.ctx.xp)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4s: frozenset[str] = frozenset()
        scalars: frozenset[str] = frozenset()
        for v in self.variables:
            a, b = v.required_columns()
            p4s, scalars = p4s | frozenset(a), scalars | frozenset(b)
        return p4s, scalars


def PhaseSpaceFactor(  # noqa: N802 - public API name
    name: str, recoil_mass: Any, daughter_1_mass: Any, daughter_2_mass: Any, resonance_mass: Any, mandelstam_s: Any
) -> Expression:
    """√(Re ρ(m_res²)·m_res / (s − m_recoil²)² / (2(4π)⁵)) from five variables (parameter-free).

    >>> import gpu_laddu as gl
    >>> f = gl.PhaseSpaceFactor("psf", gl.Mass("p"), gl.Mass("a"), gl.Mass("b"), gl.Mass(["a", "b"]),
    ...                         gl.Mandelstam(["beam"], [], ["a", "b"], ["p"], channel="s"))
    >>> f.parameter_names
    ()
    """
    src = PhaseSpaceColumn(recoil_mass, daughter_1_mass, daughter_2_mass, resonance_mass, mandelstam_s)
    return amplitude(check_name(name), to_complex(Expression(column(src))))
