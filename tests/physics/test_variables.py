"""Kinematic variables: laddu's unit-test event (spec §2 table), structure, independent physics checks, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import DataError, ModelError
from gpu_laddu.generate import generate_kskp
from gpu_laddu.physics import (
    Angles,
    CosTheta,
    Mandelstam,
    Mass,
    Phi,
    PolAngle,
    Polarization,
    PolMagnitude,
)

EPS = (0.385, 0.022, 0.0)
RES = ["kshort1", "kshort2"]


def _p4(p3, m):
    p3 = np.asarray(p3, dtype=float)
    return np.array([[np.sqrt(m * m + p3 @ p3), *p3]])


def fixture_event(ctx):
    """laddu's era-A unit-test event: beam, proton, K, K given by 3-momentum and mass; ε."""
    p4s = {
        "beam": _p4([0.0, 0.0, 8.747], 0.0),
        "proton": _p4([0.119, 0.374, 0.222], 1.007),
        "kshort1": _p4([-0.112, 0.293, 3.081], 0.498),
        "kshort2": _p4([-0.007, -0.667, 5.446], 0.498),
    }
    scalars = {
        "eps_x": np.array([EPS[0]]), "eps_y": np.array([EPS[1]]), "eps_z": np.array([EPS[2]]),
        "pol_magnitude": np.array([np.hypot(EPS[0], EPS[1])]),
        "pol_angle": np.array([np.arctan2(EPS[1], EPS[0])]),
    }
    return gl.from_numpy(p4s=p4s, scalars=scalars, weights=np.array([0.48]), ctx=ctx)


# (variable, tabulated value) from reference/laddu-spec.md §2 (laddu v0.11 unit tests)
TABLE = [
    (Mass("proton"), 1.007),
    (Mass(RES), 1.37437863),
    (CosTheta("beam", "proton", "kshort1", RES, "helicity"), -0.4611175),
    (Phi("beam", "proton", "kshort1", RES, "helicity"), -2.65746258),
    (CosTheta("beam", "proton", "kshort1", RES, "gj"), 0.09198832),
    (Phi("beam", "proton", "kshort1", RES, "gj"), -2.71391319),
    (PolAngle("beam", "proton", eps=("eps_x", "eps_y", "eps_z")), 1.93592989),
    (PolAngle("beam", "proton"), 1.93592989),
    (PolMagnitude(eps=("eps_x", "eps_y", "eps_z")), 0.38562805),
    (PolMagnitude(), 0.38562805),
    (Mandelstam("beam", [], RES, "proton", "s"), 18.50401105),
    (Mandelstam("beam", [], RES, "proton", "t"), -0.19222859),
    (Mandelstam("beam", [], RES, "proton", "u"), -14.40419893),
    (Mandelstam([], "beam", "proton", RES, "s"), 18.50401105),
    (Mandelstam([], "beam", "proton", RES, "t"), -0.19222859),
    (Mandelstam([], "beam", "proton", RES, "u"), -14.40419893),
]


def test_fixture_table(ctx):
    ds = fixture_event(ctx)
    for variable, expected in TABLE:
        value = variable.value(ds)
        assert isinstance(value, ctx.xp.ndarray) and value.dtype == np.float64 and value.shape == (1,)
        got = float(ctx.to_numpy(value)[0])
        assert got == pytest.approx(expected, abs=2e-8), variable  # the table has 8 decimals, truncated


def test_angles_and_polarization_groups_match_table(cpu_ctx):
    ds = fixture_event(cpu_ctx)
    angles = Angles("beam", ["proton"], ["kshort1"], RES, frame="Gottfried-Jackson")
    assert float(angles.costheta.value(ds)[0]) == pytest.approx(0.09198832, abs=2e-8)
    assert float(angles.phi.value(ds)[0]) == pytest.approx(-2.71391319, abs=2e-8)
    pol = Polarization("beam", "proton", eps=("eps_x", "eps_y", "eps_z"))
    assert float(pol.pol_angle.value(ds)[0]) == pytest.approx(1.93592989, abs=2e-8)
    assert float(pol.pol_magnitude.value(ds)[0]) == pytest.approx(0.38562805, abs=2e-8)


# -- structure ------------------------------------------------------------------------------
def test_equal_variables_built_separately_share_key_and_hash():
    pairs = [
        (Mass(["kshort2", "kshort1"]), Mass(["kshort1", "kshort2"])),
        (CosTheta("beam", "proton", "kshort1", RES, "HX"), CosTheta(["beam"], "proton", "kshort1", RES[::-1])),
        (Phi("beam", "proton", "kshort1", RES, "gottfried-jackson"), Phi("beam", "proton", "kshort1", RES, "GJ")),
        (Angles("beam", "proton", "kshort1", RES).phi, Phi("beam", "proton", "kshort1", RES, "hel")),
        (Polarization("beam", "proton").pol_angle, PolAngle("beam", "proton", "pol_angle")),
        (Polarization("beam", "proton").pol_magnitude, PolMagnitude("pol_magnitude")),
        (Mandelstam("beam", [], RES, "proton", "T"), Mandelstam("beam", None, RES[::-1], ["proton"], "t")),
        (Polarization("beam", "proton", eps=("x", "y", "z")), Polarization("beam", "proton", eps=["x", "y", "z"])),
    ]
    for a, b in pairs:
        assert a == b and a.key == b.key and hash(a) == hash(b), (a, b)
        assert {a: 1}[b] == 1


def test_different_variables_differ():
    variables = [
        Mass(RES), Mass("kshort1"), CosTheta("beam", "proton", "kshort1", RES), Phi("beam", "proton", "kshort1", RES),
        CosTheta("beam", "proton", "kshort1", RES, "gj"), CosTheta("beam", "proton", "kshort2", RES),
        PolAngle("beam", "proton"), PolAngle("beam", "proton", eps=("x", "y", "z")), PolMagnitude(),
        PolMagnitude("other"), Mandelstam("beam", [], RES, "proton", "s"), Mandelstam("beam", [], RES, "proton", "t"),
    ]
    assert len({v.key for v in variables}) == len(variables)
    assert len(set(variables)) == len(variables)
    assert Angles("beam", "proton", "kshort1", RES) != Angles("beam", "proton", "kshort1", RES, "gj")


def test_variables_are_immutable_and_keys_are_tuples():
    v = Mass(RES)
    with pytest.raises(AttributeError):
        v._constituents = ("x",)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Angles("beam", "proton", "kshort1", RES).costheta = None  # type: ignore[assignment]
    assert v.key == ("Mass", ("kshort1", "kshort2"))
    assert repr(v) == "Mass(constituents=('kshort1', 'kshort2'))"
    key = ("CosTheta", ("b",), ("r",), ("d",), ("d", "e"), "helicity")
    assert CosTheta("b", "r", "d", ["e", "d"], "HEL").key == key


def test_required_columns():
    assert Mass(RES).required_columns() == ({"kshort1", "kshort2"}, set())
    assert Angles("beam", "proton", "kshort1", RES).required_columns() == (
        {"beam", "proton", "kshort1", "kshort2"}, set())
    assert Polarization("beam", "proton").required_columns() == ({"beam", "proton"}, {"pol_magnitude", "pol_angle"})
    assert Polarization("beam", "proton", eps=("ex", "ey", "ez")).required_columns() == (
        {"beam", "proton"}, {"ex", "ey", "ez"})
    assert PolMagnitude("P").required_columns() == (set(), {"P"})
    assert Mandelstam("beam", [], RES, "proton", "s").required_columns() == (
        {"beam", "kshort1", "kshort2", "proton"}, set())


# -- bad input ------------------------------------------------------------------------------
def test_missing_columns_are_named(cpu_ctx):
    ds = fixture_event(cpu_ctx)
    with pytest.raises(DataError, match="'pion'"):
        Mass(["kshort1", "pion"]).value(ds)
    with pytest.raises(DataError, match="'target'"):
        Mandelstam("beam", "target", RES, "proton", "t").value(ds)  # an unused argument is still checked
    with pytest.raises(DataError, match="'polarisation_angle'"):
        PolAngle("beam", "proton", angle="polarisation_angle").value(ds)
    with pytest.raises(DataError, match="'eps_w'"):
        Polarization("beam", "proton", eps=("eps_x", "eps_y", "eps_w")).pol_magnitude.value(ds)


@pytest.mark.parametrize("frame", ["helicty", "rest", "", 3])
def test_unknown_frame(frame):
    with pytest.raises(ModelError, match="unknown frame"):
        Angles("beam", "proton", "kshort1", RES, frame=frame)
    with pytest.raises(ModelError, match=repr(frame)):
        CosTheta("beam", "proton", "kshort1", RES, frame=frame)


def test_bad_constructor_arguments():
    with pytest.raises(ModelError, match="unknown Mandelstam channel 'v'"):
        Mandelstam("beam", [], RES, "proton", "v")
    with pytest.raises(ModelError, match="at most one"):
        Mandelstam("beam", [], [], "proton", "s")
    with pytest.raises(ModelError, match="at least one"):
        Mass([])
    with pytest.raises(ModelError, match="four-vector name"):
        Phi("beam", 3, "kshort1", RES)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="not both"):
        Polarization("beam", "proton", angle="pol_angle", eps=("x", "y", "z"))
    with pytest.raises(ModelError, match="not both"):
        Polarization("beam", "proton", magnitude="P", eps=("x", "y", "z"))
    with pytest.raises(ModelError, match="three scalar columns"):
        PolMagnitude(eps=("x", "y"))
    with pytest.raises(ModelError, match="three scalar columns"):
        PolAngle("beam", "proton", eps=3)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="scalar column"):
        PolMagnitude("")


# -- independent physics checks on generated γp → K_S K_S p events -----------------------------
@pytest.fixture(scope="module")
def kskp():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = generate_kskp(3000, seed=11, pol_angle=0.7, eps_columns=True, ctx=ctx)
    host = {n: np.stack(ds.p4(n), axis=1) for n in ds.p4_names}
    yield ds, host
    ctx.close()


def _mdot(a, b):
    return a[:, 0] * b[:, 0] - np.einsum("ij,ij->i", a[:, 1:], b[:, 1:])


def _rest_cos(d, other, res):
    """cos of the angle between d and other in the rest frame of res, from invariants only."""
    m_res = np.sqrt(_mdot(res, res))
    e_d, e_o = _mdot(d, res) / m_res, _mdot(other, res) / m_res
    q_d = np.sqrt(e_d**2 - _mdot(d, d))
    q_o = np.sqrt(e_o**2 - np.maximum(_mdot(other, other), 0.0))
    return (e_d * e_o - _mdot(d, other)) / (q_d * q_o)


def _boost_matrix(p):
    """(N, 4, 4) Lorentz matrices Λ with Λ·x = x seen in the rest frame of p."""
    b = -p[:, 1:] / p[:, :1]
    b2 = np.einsum("ij,ij->i", b, b)
    g = 1.0 / np.sqrt(1.0 - b2)
    lam = np.zeros((len(p), 4, 4))
    lam[:, 0, 0] = g
    lam[:, 0, 1:] = lam[:, 1:, 0] = g[:, None] * b
    lam[:, 1:, 1:] = np.eye(3) + ((g - 1.0) / b2)[:, None, None] * b[:, :, None] * b[:, None, :]
    return lam


def _angles_by_matrices(host, frame):
    beam, rec, d = host["beam"], host["proton"], host["kshort1"]
    res = host["kshort1"] + host["kshort2"]
    lam = _boost_matrix(res)
    to_res = lambda v: np.einsum("nij,nj->ni", lam, v)[:, 1:]  # noqa: E731
    z = -to_res(rec) if frame == "helicity" else to_res(beam)
    z /= np.linalg.norm(z, axis=1)[:, None]
    y = np.cross(beam[:, 1:], -rec[:, 1:])
    y -= z * np.einsum("ij,ij->i", y, z)[:, None]
    y /= np.linalg.norm(y, axis=1)[:, None]
    x = np.cross(y, z)
    dr = to_res(d)
    rot = np.stack([x, y, z], axis=1)  # rows are the new axes
    dd = np.einsum("nij,nj->ni", rot, dr)
    return dd[:, 2] / np.linalg.norm(dd, axis=1), np.arctan2(dd[:, 1], dd[:, 0])


def _close(a, b, tol=1e-10, angle=False):
    diff = np.asarray(a) - np.asarray(b)
    if angle:
        diff = (diff + np.pi) % (2 * np.pi) - np.pi
    assert np.max(np.abs(diff)) <= tol * np.max(np.abs(b))


@pytest.mark.parametrize("frame", ["helicity", "gj"])
def test_angles_against_independent_computation(kskp, frame):
    ds, host = kskp
    angles = Angles("beam", "proton", "kshort1", RES, frame)
    cos_ref, phi_ref = _angles_by_matrices(host, frame)
    _close(angles.costheta.value(ds), cos_ref)
    _close(angles.phi.value(ds), phi_ref, angle=True)
    res = host["kshort1"] + host["kshort2"]
    if frame == "helicity":
        invariant = -_rest_cos(host["kshort1"], host["proton"], res)
    else:
        invariant = _rest_cos(host["kshort1"], host["beam"], res)
    _close(angles.costheta.value(ds), invariant, tol=1e-9)
    assert np.ptp(angles.phi.value(ds)) > 6.0 and np.ptp(angles.costheta.value(ds)) > 1.9  # full range covered


def test_mandelstam_identities(kskp):
    ds, host = kskp
    s = Mandelstam("beam", [], RES, "proton", "s").value(ds)
    t = Mandelstam("beam", [], RES, "proton", "t").value(ds)
    u = Mandelstam("beam", [], RES, "proton", "u").value(ds)
    m_p, e_beam = 0.938272, 8.5
    _close(s, np.full(len(s), m_p**2 + 2 * m_p * e_beam), tol=1e-12)
    m_kk2 = Mass(RES).value(ds) ** 2
    _close(s + t + u, 0.0 + m_p**2 + m_kk2 + m_p**2, tol=1e-11)  # m²(γ) + m²(target) + m²(KK) + m²(p)
    kk = host["kshort1"] + host["kshort2"]
    _close(t, _mdot(host["beam"] - kk, host["beam"] - kk), tol=1e-12)
    _close(u, _mdot(host["beam"] - host["proton"], host["beam"] - host["proton"]), tol=1e-12)
    _close(Mandelstam([], "beam", "proton", RES, "t").value(ds), t, tol=1e-12)
    _close(Mandelstam([], "beam", "proton", RES, "u").value(ds), u, tol=1e-12)


def test_polarization_eps_form_matches_angle_form(kskp):
    ds, host = kskp
    by_angle = Polarization("beam", "proton")
    by_eps = Polarization("beam", "proton", eps=("eps_x", "eps_y", "eps_z"))
    _close(by_eps.pol_angle.value(ds), by_angle.pol_angle.value(ds), tol=1e-12, angle=True)
    _close(by_eps.pol_magnitude.value(ds), by_angle.pol_magnitude.value(ds), tol=1e-12)
    _close(by_angle.pol_magnitude.value(ds), np.full(ds.n_events, 0.35), tol=0.0)
    # beam along +z: Φ = φ_lab(ε) - φ(recoil) + π (angle between ε and the production plane)
    phi_recoil = np.arctan2(host["proton"][:, 2], host["proton"][:, 1])
    _close(by_angle.pol_angle.value(ds), 0.7 - phi_recoil + np.pi, tol=1e-12, angle=True)


def test_mass_is_zero_for_spacelike_and_values_do_not_alias_columns(cpu_ctx):
    ds = gl.from_numpy(p4s={"g": np.array([[1.0, 0.0, 0.0, 1.0 + 1e-10]])}, scalars={"P": np.array([0.3])},
                       ctx=cpu_ctx)
    assert Mass("g").value(ds).tolist() == [0.0]
    value = PolMagnitude("P").value(ds)
    value[0] = 5.0
    assert ds.scalar("P").tolist() == [0.3]
