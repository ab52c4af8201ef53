"""Every kinematic variable against laddu 0.28.1 on generated γp → K_S K_S p events."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.generate import generate_kskp
from gpu_laddu.physics import Angles, Mandelstam, Mass, Polarization
from tests.laddu_oracle import (
    laddu_dataset,
    laddu_evaluate,
    laddu_gj_angles,
    laddu_helicity_angles,
    laddu_mandelstam,
    laddu_mass_s,
    laddu_polarization,
)

pytestmark = pytest.mark.laddu
RES = ["kshort1", "kshort2"]
EPS = ("eps_x", "eps_y", "eps_z")


def _check(ours, theirs, name, angle=False):
    diff = np.asarray(ours) - theirs
    if angle:
        diff = (diff + np.pi) % (2 * np.pi) - np.pi
    scale = np.max(np.abs(theirs))
    assert np.max(np.abs(diff)) <= 1e-10 * scale, f"{name}: max |diff| {np.max(np.abs(diff)):.3e}, scale {scale:.3e}"


@pytest.fixture(scope="module")
def events():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = generate_kskp(3000, seed=5, pol_magnitude=0.4, pol_angle=1.1, eps_columns=True, ctx=ctx)
    yield ds
    ctx.close()


def test_variables_match_laddu(laddu, events):
    ds = events
    hx_cos, hx_phi = laddu_helicity_angles()
    gj_cos, gj_phi = laddu_gj_angles()
    pol_angle, pol_magnitude = laddu_polarization()
    eps_angle, eps_magnitude = laddu_polarization(eps=EPS)
    m_kk, s_kk = laddu_mass_s()
    exprs = {
        "hx_cos": hx_cos, "hx_phi": hx_phi, "gj_cos": gj_cos, "gj_phi": gj_phi,
        "pol_angle": pol_angle, "pol_magnitude": pol_magnitude, "eps_angle": eps_angle, "eps_magnitude": eps_magnitude,
        "m_kk": m_kk, "s_kk": s_kk, "s": laddu_mandelstam("s"), "t": laddu_mandelstam("t"), "u": laddu_mandelstam("u"),
        "m_p": laddu.Vec4.event("proton").mass(),
    }
    ref = laddu_evaluate(laddu_dataset(ds), exprs)
    hx, gj = Angles("beam", "proton", "kshort1", RES), Angles("beam", "proton", "kshort1", RES, "gj")
    pol, pol_eps = Polarization("beam", "proton"), Polarization("beam", "proton", eps=EPS)
    ours = {
        "hx_cos": hx.costheta, "hx_phi": hx.phi, "gj_cos": gj.costheta, "gj_phi": gj.phi,
        "pol_angle": pol.pol_angle, "pol_magnitude": pol.pol_magnitude,
        "eps_angle": pol_eps.pol_angle, "eps_magnitude": pol_eps.pol_magnitude,
        "m_kk": Mass(RES), "s": Mandelstam("beam", [], RES, "proton", "s"),
        "t": Mandelstam("beam", [], RES, "proton", "t"), "u": Mandelstam("beam", [], RES, "proton", "u"),
        "m_p": Mass("proton"),
    }
    for name, variable in ours.items():
        _check(variable.value(ds), ref[name], name, angle=name.endswith(("phi", "angle")))
    _check(Mass(RES).value(ds) ** 2, ref["s_kk"], "s_kk")


def test_oracle_dataset_round_trip(laddu, cpu_ctx):
    weights = np.linspace(-0.5, 2.0, 50)
    ds = generate_kskp(50, seed=2, ctx=cpu_ctx)
    ds_w = gl.from_numpy(p4s={n: np.stack(ds.p4(n), axis=1) for n in ds.p4_names},
                         scalars={n: ds.scalar(n) for n in ds.scalar_names}, weights=weights, ctx=cpu_ctx)
    ld_ds = laddu_dataset(ds_w)
    assert sorted(ld_ds.p4_names()) == sorted(ds.p4_names)
    assert np.array_equal(np.asarray(ld_ds.weights()), weights)
    got = laddu_evaluate(ld_ds, {"pz": laddu.Vec4.event("kshort2").pz(), "P": laddu.scalar("pol_magnitude")})
    assert np.array_equal(got["pz"], ds.p4("kshort2")[3]) and np.array_equal(got["P"], ds.scalar("pol_magnitude"))
