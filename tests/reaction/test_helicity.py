"""Helicity amplitudes: coupling factors and identities (the closure fits are in docs/guide/reactions.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.reaction import ReactionError
from gpu_laddu.reaction.helicity import (
    canonical_couplings,
    ls_coupling,
    omega_three_pion,
    two_body_decay,
)


def test_ls_couplings_match_the_b1_textbook_values():
    """b1 → ωπ: F_±1 = S/√3 + D/√6, F_0 = S/√3 − D·√(2/3) (e.g. PDG, Chung)."""
    kw = {"j": 1, "s1": 1, "s2": 0, "lambda2": 0}
    assert math.isclose(ls_coupling(l=0, s=1, lambda1=1, **kw), 1 / math.sqrt(3))
    assert math.isclose(ls_coupling(l=0, s=1, lambda1=0, **kw), 1 / math.sqrt(3))
    assert math.isclose(ls_coupling(l=2, s=1, lambda1=1, **kw), 1 / math.sqrt(6))
    assert math.isclose(ls_coupling(l=2, s=1, lambda1=-1, **kw), 1 / math.sqrt(6))
    assert math.isclose(ls_coupling(l=2, s=1, lambda1=0, **kw), -math.sqrt(2 / 3))
    assert ls_coupling(l=1, s=1, lambda1=0, **kw) == 0.0  # ⟨1 0, 1 0 | 1 0⟩ = 0


def test_omega_amplitudes_sum_to_the_dalitz_density():
    """Σ_m |A_m|² = (3/4π)·|p⁺ × p⁻|² (unitarity of D¹), on events with the normal in every direction."""
    from tests.reaction.topologies import OMEGA_PI0_P, build, omega_pi0_p_events

    ch = build(gl, OMEGA_PI0_P)
    frame = ch.vertex("omega_decay")
    prod = ch.vertex("production")
    axes = {"z_axis": -frame.vec3("pi0_b"), "y_hint": prod.vec3("beam").cross(prod.vec3("recoil"))}
    total = sum(omega_three_pion(frame, "pip", "pim", m=m, **axes).norm_sqr() for m in (-1, 0, 1))
    ds = gl.from_numpy(p4s=omega_pi0_p_events(200))
    ours = np.asarray(gl.Model(total).load(ds).evaluate([]).real)
    n2 = frame.vec3("pip").cross(frame.vec3("pim")).mag2().node.attrs[0].value(ds)
    np.testing.assert_allclose(ours, 3 / (4 * math.pi) * n2, rtol=1e-12)
    # m = 0 alone: cos²θ_n of the normal about the z axis
    a0 = omega_three_pion(frame, "pip", "pim", m=0, dalitz=False, **axes).norm_sqr()
    cos_n = gl.Vec3.unit(frame.vec3("pip").cross(frame.vec3("pim"))).dot(gl.Vec3.unit(axes["z_axis"]))
    ref = np.asarray(gl.Model(3 / (4 * math.pi) * cos_n * cos_n).load(ds).evaluate([]).real)
    np.testing.assert_allclose(np.asarray(gl.Model(a0).load(ds).evaluate([]).real), ref, rtol=1e-10, atol=1e-14)


def test_two_body_decay_is_the_spherical_harmonic_for_spinless_daughters():
    """sqrt((2l+1)/4π) D^{l*}_{m0}(φ, θ, 0) = Y_l^m(θ, φ)."""
    from tests.reaction.topologies import RHO_PI, build, rho_pi_events

    ch = build(gl, RHO_PI)
    rho = ch.vertex("rho_decay")
    axes = {"z_axis": -rho.vec3("pi3"), "y_hint": gl.Vec3.z_axis()}
    ds = gl.from_numpy(p4s=rho_pi_events(100))
    for l, m in ((1, 1), (2, -1), (3, 2)):  # noqa: E741
        ours = two_body_decay(rho, "pi1", j=l, m=m, lambda1=0, lambda2=0, **axes)
        ylm = gl.spherical_harmonic(l, m, costheta=rho.costheta("pi1", **axes), phi=rho.phi("pi1", **axes))
        a = np.asarray(gl.Model(ours).load(ds).evaluate([]))
        b = np.asarray(gl.Model(ylm).load(ds).evaluate([]))
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_bad_couplings():
    with pytest.raises(ReactionError, match="at least one"):
        canonical_couplings({}, j=1, s1=1, s2=0, lambda1=0, lambda2=0)
    with pytest.raises(ReactionError, match="VertexFrame"):
        two_body_decay(None, "x", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis(), j=1, m=0,  # type: ignore[arg-type]
                       lambda1=0, lambda2=0)
    from tests.reaction.topologies import RHO_PI, build

    rho = build(gl, RHO_PI).vertex("rho_decay")
    with pytest.raises(gl.ModelError, match=r"\|m_prime\| <= j"):
        two_body_decay(rho, "pi1", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis(), j=1, m=2, lambda1=0, lambda2=0)
