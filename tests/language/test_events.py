"""Event inputs: scalar(), Vec3/Vec4 algebra, boosts and angles — against laddu 0.28.1 on the same
events (≤ 1e-10) and against gpu_laddu's array variables."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import DataError, ModelError
from tests.laddu_oracle import laddu_dataset, laddu_evaluate


def _exprs(ld):  # type: ignore[no-untyped-def]
    beam, recoil = ld.Vec4.event("beam"), ld.Vec4.event("proton")
    k1, k2 = ld.Vec4.event("kshort1"), ld.Vec4.event("kshort2")
    kk = k1 + k2
    rest = k1.boost(-kk.beta())
    b3, r3 = ld.Vec3.event("beam"), recoil.vec3()
    eps = ld.Vec3(ld.scalar("pol_angle").cos(), ld.scalar("pol_angle").sin(), 0.0)
    n = b3.cross(-r3).unit()
    return {
        "m": kk.m(), "m2": kk.m2(), "mass": kk.mass(), "e": kk.e(), "px": kk.px(), "gamma": kk.gamma(),
        "dot": beam.dot(recoil), "beta_z": kk.beta().pz(), "rest_e": rest.e(), "rest_pz": rest.pz(),
        "costheta": rest.vec3().costheta(), "phi": rest.vec3().phi(), "mag": b3.mag(), "mag2": r3.mag2(),
        "cross_y": b3.cross(r3).py(), "unit_x": r3.unit().px(),
        "pol": ld.atan2(n.dot(eps), b3.unit().dot(eps.cross(n))),
        "theta": rest.vec3().theta() if hasattr(rest.vec3(), "theta") else rest.vec3().costheta().acos(),
        "with_mass": r3.with_mass(0.938272).e(), "scaled": (b3 * 2.0 - r3 / 3.0).px(),
        "sub": (beam - recoil).m2(), "neg": (-k1).e(), "scalar": ld.scalar("pol_magnitude") * 2.0,
    }


def test_vectors_match_laddu(laddu, cpu_ctx):  # type: ignore[no-untyped-def]
    ds = gl.generate_kskp(400, seed=11, ctx=cpu_ctx)
    lds = laddu_dataset(ds)
    ours = _exprs(gl)
    theirs = laddu_evaluate(lds, _exprs(laddu))
    for name, expr in ours.items():
        got = gl.Model(expr).evaluate(ds, real=True)
        expected = theirs[name]
        assert np.max(np.abs(got - expected)) <= 1e-10 * max(1.0, np.max(np.abs(expected))), name


def test_vectors_match_array_variables(ctx):  # type: ignore[no-untyped-def]
    ds = gl.generate_kskp(300, seed=5, ctx=ctx)
    mass = gl.Vec4.event("kshort1") + gl.Vec4.event("kshort2")
    got = np.asarray(ctx.to_numpy(gl.Model(mass.m()).load(ds).evaluate([]))).real
    expected = np.asarray(ctx.to_numpy(gl.Mass(["kshort1", "kshort2"]).value(ds)))
    assert np.max(np.abs(got - expected)) <= 1e-12 * np.max(expected)


def test_boost_to_rest_and_back():
    p = gl.Vec4(5.0, 1.0, -2.0, 3.0)
    rest = p.boost(-p.beta())
    for expr, expected in ((rest.e(), np.sqrt(25 - 14)), (rest.px(), 0.0), (rest.boost(p.beta()).pz(), 3.0),
                           (gl.Vec4(1.0, 0.0, 0.0, 0.0).boost(gl.Vec3.zero()).e(), 1.0)):
        assert abs(gl.Model(expr).evaluate() - expected) <= 1e-12


def test_axes_and_components():
    v = gl.Vec3(1.0, 2.0, 3.0)
    assert gl.Model(v.dot(gl.Vec3.x_axis()) + v.dot(gl.Vec3.y()) * 10 + v.dot(gl.Vec3.z_axis()) * 100).evaluate() == 321
    assert gl.Model(v.as_expr()[2]).evaluate() == 3.0
    assert gl.Model(gl.Vec4(4.0, 1.0, 2.0, 3.0).as_expr()[0]).evaluate() == 4.0


def test_bad_event_inputs():
    with pytest.raises(ModelError, match="non-empty column name"):
        gl.scalar("")
    with pytest.raises(ModelError, match="expected a Vec3"):
        gl.Vec3(1.0, 0.0, 0.0).dot(gl.Vec4(1.0, 0.0, 0.0, 0.0))  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="scalar expression"):
        gl.Vec3(gl.vector([1.0, 2.0]), 0.0, 0.0)  # type: ignore[arg-type]


def test_unknown_column_is_named_at_load(cpu_ctx):  # type: ignore[no-untyped-def]
    ds = gl.generate_kskp(10, seed=1, ctx=cpu_ctx)
    with pytest.raises((ModelError, DataError), match="nope"):
        gl.Model(gl.scalar("nope") * gl.parameter("a")).load(ds)
    with pytest.raises((ModelError, DataError), match="pion"):
        gl.Model(gl.Vec4.event("pion").m() * gl.parameter("a")).load(ds)
