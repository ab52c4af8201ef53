"""Helicity amplitudes of two-body and three-body decays in vertex frames.

Conventions (Chung, *Spin formalisms*; Richman): a state of spin ``j`` and projection ``m``
decaying to daughters with helicities ``λ1, λ2`` has the amplitude

``A = sqrt((2j+1)/4π) · D^{j*}_{m,λ}(φ, θ, 0) · F_{λ1λ2}``,  ``λ = λ1 − λ2``,

where (θ, φ) are daughter 1's angles in the decaying state's vertex frame.  The helicity
couplings follow from canonical (L, S) couplings ``a_LS`` by

``F_{λ1λ2} = Σ_LS a_LS · sqrt((2L+1)/(2j+1)) ⟨L 0, S λ | j λ⟩ ⟨s1 λ1, s2 −λ2 | S λ⟩``.

The ω → π⁺π⁻π⁰ decay (a vector to three pseudoscalars) depends on the direction of the
normal ``n = p⁺ × p⁻`` of the decay plane in the ω frame: ``A_m ∝ |n| · D^{1*}_{m,0}(φ_n, θ_n, 0)``.

Examples
--------
>>> round(ls_coupling(j=1, s1=1, s2=0, l=0, s=1, lambda1=1, lambda2=0), 12)
0.57735026919
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gpu_laddu.ir.expr import Expression, as_expression
from gpu_laddu.language.angular import WignerD, clebsch_gordan
from gpu_laddu.language.events import Vec3
from gpu_laddu.reaction.channel import VertexFrame
from gpu_laddu.reaction.errors import ReactionError
from gpu_laddu.reaction.frames import FrameVec3, angle


def _check_frame(frame: Any, what: str) -> None:
    if not isinstance(frame, VertexFrame):
        raise ReactionError(f"{what} needs a VertexFrame (channel.vertex(name)), got {frame!r}")


def ls_coupling(*, j: Any, s1: Any, s2: Any, l: Any, s: Any, lambda1: Any, lambda2: Any) -> float:  # noqa: E741
    """The factor turning a canonical coupling ``a_LS`` into the helicity coupling ``F_{λ1λ2}``.

    ``sqrt((2L+1)/(2j+1)) ⟨L 0, S λ | j λ⟩ ⟨s1 λ1, s2 −λ2 | S λ⟩`` with ``λ = λ1 − λ2``
    (zero when a selection rule forbids it).

    Examples
    --------
    >>> ls_coupling(j=1, s1=1, s2=0, l=2, s=1, lambda1=0, lambda2=0) < 0
    True
    """
    cg = clebsch_gordan
    lam = lambda1 - lambda2
    return (math.sqrt((2 * l + 1) / (2 * j + 1)) * cg(j1=l, m1=0, j2=s, m2=lam, j=j, m=lam)
            * cg(j1=s1, m1=lambda1, j2=s2, m2=-lambda2, j=s, m=lam))


def decay_angles(frame: VertexFrame, edge: str, *, z_axis: Vec3, y_hint: Vec3) -> tuple[Expression, Expression]:
    """(θ, φ) of ``edge`` in ``frame`` about ``z_axis`` (azimuth from ``y_hint``)."""
    return (frame.theta(edge, z_axis=z_axis, y_hint=y_hint), frame.phi(edge, z_axis=z_axis, y_hint=y_hint))


def helicity_amplitude(theta: Expression, phi: Expression, *, j: Any, m: Any, lam: Any) -> Expression:
    """``sqrt((2j+1)/4π) · D^{j*}_{m,λ}(φ, θ, 0)`` for daughter angles (θ, φ).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> a = helicity_amplitude(gl.constant(0.0), gl.constant(0.0), j=1, m=1, lam=1)
    >>> round(gl.Model(a).evaluate().real, 12) == round((3 / (4 * math.pi)) ** 0.5, 12)
    True
    """
    d = WignerD(j, m, lam).D(alpha=phi, beta=theta)
    return math.sqrt((2 * float(j) + 1) / (4 * math.pi)) * d.conj()


def two_body_decay(frame: VertexFrame, edge: str, *, z_axis: Vec3, y_hint: Vec3, j: Any, m: Any,
                   lambda1: Any, lambda2: Any, coupling: Any = 1.0) -> Expression:
    """The helicity amplitude of a two-body decay seen through ``edge`` (daughter 1) in ``frame``.

    ``coupling`` (a number or an expression, e.g. a complex parameter) is ``F_{λ1λ2}``.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> ch = gl.Channel("d", edges=[gl.Edge("x"), gl.Edge("a", p4="a"), gl.Edge("b", p4="b")],
    ...                 vertices=[gl.Vertex("d", incoming=["x"], outgoing=["a", "b"])])
    >>> amp = two_body_decay(ch.vertex("d"), "a", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis(),
    ...                      j=1, m=0, lambda1=0, lambda2=0)
    >>> amp.node.dtype
    'complex'
    """
    _check_frame(frame, "two_body_decay")
    WignerD(j, m, lambda1 - lambda2)  # bad spins fail here, before any angle is built
    theta, phi = decay_angles(frame, edge, z_axis=z_axis, y_hint=y_hint)
    return as_expression(coupling) * helicity_amplitude(theta, phi, j=j, m=m, lam=lambda1 - lambda2)


def canonical_couplings(couplings: Mapping[tuple[Any, Any], Any], *, j: Any, s1: Any, s2: Any,
                        lambda1: Any, lambda2: Any) -> Expression:
    """``F_{λ1λ2} = Σ_LS a_LS · ls_coupling(...)`` from canonical couplings ``{(L, S): a_LS}``.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> f = canonical_couplings({(0, 1): 1.0, (2, 1): gl.parameter("d")}, j=1, s1=1, s2=0, lambda1=1, lambda2=0)
    >>> f.parameter_names
    ('d',)
    """
    if not couplings:
        raise ReactionError("canonical_couplings needs at least one (L, S) coupling")
    total: Any = 0.0
    for (l, s), a in couplings.items():  # noqa: E741
        c = ls_coupling(j=j, s1=s1, s2=s2, l=l, s=s, lambda1=lambda1, lambda2=lambda2)
        if c != 0.0:
            total = total + c * as_expression(a)
    return as_expression(total)


def omega_three_pion(frame: VertexFrame, pi_plus: str, pi_minus: str, *, z_axis: Vec3, y_hint: Vec3, m: Any,
                     dalitz: bool = True) -> Expression:
    """The ω (or any 1⁻ → 3 pseudoscalars) decay amplitude through the decay-plane normal.

    ``A_m = |n| · sqrt(3/4π) · D^{1*}_{m,0}(φ_n, θ_n, 0)`` with ``n = p⁺ × p⁻`` in ``frame``
    (``dalitz=False`` leaves out the factor ``|n|``, the square root of the Dalitz-plot
    density ``|p⁺ × p⁻|²``).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> ch = gl.Channel("w", edges=[gl.Edge("w"), gl.Edge("a", p4="a"), gl.Edge("b", p4="b"),
    ...                  gl.Edge("c", p4="c")], vertices=[gl.Vertex("d", incoming=["w"], outgoing=["a", "b", "c"])])
    >>> omega_three_pion(ch.vertex("d"), "a", "b", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis(), m=1).node.dtype
    'complex'
    """
    _check_frame(frame, "omega_three_pion")
    WignerD(1, m, 0)
    n = frame.vec3(pi_plus).cross(frame.vec3(pi_minus))
    if not isinstance(n, FrameVec3):  # cannot happen: frame vectors stay frame vectors
        raise ReactionError("the decay-plane normal must be a frame vector")
    theta, phi = angle("theta", n, z_axis, y_hint), angle("phi", n, z_axis, y_hint)
    amp = helicity_amplitude(theta, phi, j=1, m=m, lam=0)
    return amp * n.mag() if dalitz else amp
