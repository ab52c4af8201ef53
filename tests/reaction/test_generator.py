"""The channel Generator: phase-space density (analytic two-body), Dalitz flatness, seeds, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.generate.phase_space import breakup_momentum
from gpu_laddu.generate.proposals import GenerationError

M_P, M_PI, E_BEAM = 0.93827208816, 0.13957039, 8.5
LO, HI = 0.5, 2.5


def _gp_channel(**x_kwargs):
    return gl.Channel("gamma p -> X p", edges=[
        gl.Edge("beam", p4="beam", particle=gl.particles.PHOTON,
                initial_momentum=gl.InitialMomentum.energy(E_BEAM, direction=[0, 0, 1])),
        gl.Edge("target", p4="target", particle=gl.particles.PROTON,
                initial_momentum=gl.InitialMomentum.p4([M_P, 0.0, 0.0, 0.0])),
        gl.Edge("x", p4="x", **x_kwargs), gl.Edge("p", p4="proton", particle=gl.particles.PROTON)],
        vertices=[gl.Vertex("prod", incoming=["beam", "target"], outgoing=["x", "p"])])


def _mass(p):
    return np.sqrt(np.maximum(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1), 0.0))


def _p4(ds, name):
    return np.stack([ds.ctx.to_numpy(c) for c in ds.p4(name)], axis=1)


def _expected_two_body(edges):
    """∫ over each bin of 2m·q(√s; m, m_p)/√s dm, normalised (the two-body phase-space density)."""
    sqrt_s = np.sqrt(M_P * M_P + 2 * E_BEAM * M_P)
    fine = np.linspace(edges[0], edges[-1], 20001)
    dens = 2 * fine * breakup_momentum(sqrt_s, fine, M_P) / sqrt_s
    cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(fine))])
    at = np.interp(edges, fine, cum)
    return np.diff(at) / at[-1]


def test_two_body_mass_density_weighted_and_unweighted():
    ch = _gp_channel(mass_proposal=gl.MassProposal(LO, high=HI))
    edges = np.linspace(LO, HI, 11)
    expected = _expected_two_body(edges)
    ds, report = gl.Generator(ch).weighted(30_000, seed=3)
    m, w = _mass(_p4(ds, "x")), ds.ctx.to_numpy(ds.weights)
    assert report.produced == 30_000 and np.all(w > 0)
    sums = np.histogram(m, edges, weights=w)[0]
    errs = np.sqrt(np.histogram(m, edges, weights=w * w)[0])
    pulls = (sums - expected * w.sum()) / errs
    assert np.max(np.abs(pulls)) < 5, pulls
    ds_u, rep_u = gl.Generator(ch).unweighted(20_000, seed=4)
    counts = np.histogram(_mass(_p4(ds_u, "x")), edges)[0]
    chi2 = np.sum((counts - expected * 20_000) ** 2 / (expected * 20_000))
    assert chi2 < 10 + 5 * np.sqrt(20), chi2
    assert 0 < rep_u.acceptance_rate <= 1 and rep_u.envelope is not None
    # conservation and isotropy in the centre of momentum
    beam, target, x, p = (_p4(ds_u, n) for n in ("beam", "target", "x", "proton"))
    np.testing.assert_allclose(beam + target, x + p, atol=1e-9)
    cm = gl.Channel("c", edges=[gl.Edge("beam", p4="beam"), gl.Edge("target", p4="target"), gl.Edge("x", p4="x"),
                                gl.Edge("p", p4="proton")],
                    vertices=[gl.Vertex("prod", incoming=["beam", "target"], outgoing=["x", "p"])])
    cos = cm.vertex("prod").costheta("x", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis())
    c = cos.node.attrs[0].value(ds_u)
    counts = np.histogram(c, np.linspace(-1, 1, 11))[0]
    assert np.sum((counts - 2000) ** 2 / 2000) < 10 + 5 * np.sqrt(20)


def _dalitz_chi2(p1, p2, p3, parent_mass, bins=12):
    """χ² of the counts in the Dalitz cells that lie entirely inside the boundary (flat expected)."""
    s12, s23 = _mass(p1 + p2) ** 2, _mass(p2 + p3) ** 2
    m1 = m2 = M_PI
    lo12, hi12 = (m1 + m2) ** 2, (parent_mass - M_PI) ** 2
    lo23, hi23 = (m2 + M_PI) ** 2, (parent_mass - m1) ** 2
    e12, e23 = np.linspace(lo12, hi12, bins + 1), np.linspace(lo23, hi23, bins + 1)
    counts = np.histogram2d(s12, s23, [e12, e23])[0]

    def inside(a, b):  # is (s12, s23) = (a, b) kinematically allowed?
        e2 = (a - m1 * m1 + m2 * m2) / (2 * np.sqrt(a))
        e3 = (parent_mass ** 2 - a - M_PI ** 2) / (2 * np.sqrt(a))
        p2, p3 = np.sqrt(max(e2 * e2 - m2 * m2, 0)), np.sqrt(max(e3 * e3 - M_PI ** 2, 0))
        return (e2 + e3) ** 2 - (p2 + p3) ** 2 <= b <= (e2 + e3) ** 2 - (p2 - p3) ** 2

    full = np.array([[all(inside(a, b) for a in e12[i:i + 2] for b in e23[j:j + 2]) for j in range(bins)]
                     for i in range(bins)])
    cells = counts[full]
    mean = cells.mean()
    return float(np.sum((cells - mean) ** 2 / mean)), len(cells) - 1


@pytest.mark.parametrize("nested", [False, True])
def test_dalitz_plot_is_flat(nested):
    big_m = 1.6
    parent = gl.Edge("X", p4="X", particle=gl.Particle(mass=big_m),
                     initial_momentum=gl.InitialMomentum.momentum([0.3, -0.2, 1.0]))
    pions = [gl.Edge(n, p4=n, particle=gl.particles.PI_PLUS) for n in ("pi1", "pi2", "pi3")]
    if nested:  # X → ρπ, ρ → ππ with the ρ mass proposed uniformly over its whole range
        rho = gl.Edge("rho", mass_proposal=gl.MassProposal(2 * M_PI, high=big_m - M_PI), output=False)
        ch = gl.Channel("X -> rho pi", edges=[parent, rho, *pions], vertices=[
            gl.Vertex("X_decay", incoming=["X"], outgoing=["rho", "pi3"]),
            gl.Vertex("rho_decay", incoming=["rho"], outgoing=["pi1", "pi2"])])
    else:
        ch = gl.Channel("X -> 3 pi", edges=[parent, *pions],
                        vertices=[gl.Vertex("X_decay", incoming=["X"], outgoing=["pi1", "pi2", "pi3"])])
    ds, _ = gl.Generator(ch).unweighted(100_000, seed=11)
    p1, p2, p3 = (_p4(ds, n) for n in ("pi1", "pi2", "pi3"))
    np.testing.assert_allclose(_mass(p1 + p2 + p3), big_m, atol=1e-9)
    chi2, ndf = _dalitz_chi2(p1, p2, p3, big_m)
    assert ndf > 40 and chi2 < ndf + 4 * np.sqrt(2 * ndf), (chi2, ndf)


def test_seeded_and_reproducible():
    ch = _gp_channel(mass_proposal=gl.MassProposal(LO, high=HI))
    gen = gl.Generator(ch, scalars={"pol": gl.ScalarSource.uniform(0.2, 0.3)})
    a, _ = gen.unweighted(500, seed=5)
    b, _ = gen.unweighted(500, seed=5)
    c, _ = gen.unweighted(500, seed=6)
    assert np.array_equal(_p4(a, "x"), _p4(b, "x")) and not np.array_equal(_p4(a, "x"), _p4(c, "x"))
    pol = a.ctx.to_numpy(a.scalar("pol"))
    assert np.all((pol >= 0.2) & (pol < 0.3))


def test_model_accept_reject_follows_the_intensity():
    ch = _gp_channel(particle=gl.Particle(mass=1.0))
    frame = gl.Channel("c", edges=[gl.Edge("beam", p4="beam"), gl.Edge("target", p4="target"),
                                   gl.Edge("x", p4="x"), gl.Edge("p", p4="proton")],
                       vertices=[gl.Vertex("prod", incoming=["beam", "target"], outgoing=["x", "p"])])
    cos = frame.vertex("prod").costheta("x", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis())
    model = gl.Model(cos * cos)
    ds, _ = gl.Generator(ch).unweighted(20_000, model, seed=2)
    c = cos.node.attrs[0].value(ds)
    edges = np.linspace(-1, 1, 11)
    expected = np.diff(edges ** 3) / 2 * 20_000  # ∝ cos²θ
    counts = np.histogram(c, edges)[0]
    assert np.sum((counts - expected) ** 2 / expected) < 10 + 5 * np.sqrt(20)


def test_bad_generation_input():
    with pytest.raises(GenerationError, match="needs a mass"):
        gl.Generator(_gp_channel())
    no_beam = gl.Channel("c", edges=[gl.Edge("beam", p4="beam"), gl.Edge("a", p4="a", particle=gl.particles.PI_PLUS),
                                     gl.Edge("b", p4="b", particle=gl.particles.PI_MINUS)],
                         vertices=[gl.Vertex("d", incoming=["beam"], outgoing=["a", "b"])])
    with pytest.raises(GenerationError, match="initial edge 'beam' has no initial_momentum"):
        gl.Generator(no_beam)
    gen = gl.Generator(_gp_channel(particle=gl.Particle(mass=1.0)))
    with pytest.raises(GenerationError, match="positive integer"):
        gen.weighted(0)
    with pytest.raises(GenerationError, match="exceeds the envelope"):
        gen.unweighted(100, max_weight=1e-9)
    with pytest.raises(GenerationError, match="max_proposals"):
        gen.unweighted(100_000, max_proposals=10, max_weight=1e9)
    for bad in (lambda: gl.MassProposal(1.0, high=0.5),
                lambda: gl.InitialMomentum.uniform_energy(low=2, high=1, direction=[0, 0, 1]),
                lambda: gl.InitialMomentum.energy(1.0, direction=[0, 0, 0]), lambda: gl.ScalarSource.uniform(1, 1)):
        with pytest.raises(GenerationError):
            bad()


def _t(ds):
    beam, x = _p4(ds, "beam"), _p4(ds, "x")
    d = beam - x
    return d[:, 0] ** 2 - np.sum(d[:, 1:] ** 2, axis=1)


def test_t_exchange_proposal_keeps_phase_space():
    """At fixed s, phase space is uniform in t: weighted t_exchange events must be flat in t."""
    def channel(generation):
        return gl.Channel("gamma p -> X p", edges=[
            gl.Edge("beam", p4="beam", particle=gl.particles.PHOTON,
                    initial_momentum=gl.InitialMomentum.energy(E_BEAM, direction=[0.3, 0.0, 1.0])),
            gl.Edge("target", p4="target", particle=gl.particles.PROTON,
                    initial_momentum=gl.InitialMomentum.p4([M_P, 0.0, 0.0, 0.0])),
            gl.Edge("x", p4="x", particle=gl.Particle(mass=1.0)),
            gl.Edge("p", p4="proton", particle=gl.particles.PROTON)],
            vertices=[gl.Vertex("prod", incoming=["beam", "target"], outgoing=["x", "p"], generation=generation)])

    proposal = gl.VertexProposal.t_exchange(incoming="beam", outgoing="x", slope=3.0, uniform_fraction=0.1)
    ds, _ = gl.Generator(channel(proposal)).weighted(40_000, seed=8)
    t, w = _t(ds), ds.ctx.to_numpy(ds.weights)
    lo, hi = t.min(), t.max()
    edges = np.linspace(lo, hi, 11)
    sums, errs = np.histogram(t, edges, weights=w)[0], np.sqrt(np.histogram(t, edges, weights=w * w)[0])
    assert np.max(np.abs((sums - w.sum() / 10) / errs)) < 5
    # most proposals at small |t| (the point of the proposal), yet the same weight sum per event as isotropic
    assert np.mean(t > (lo + hi) / 2) > 0.8
    iso, _ = gl.Generator(channel(None)).weighted(40_000, seed=8)
    w_iso = iso.ctx.to_numpy(iso.weights)
    assert abs(w.mean() / w_iso.mean() - 1) < 5 * (w.std() / np.sqrt(len(w)) / w.mean() + 1e-3)
    un, _ = gl.Generator(channel(proposal)).unweighted(20_000, seed=9)
    counts = np.histogram(_t(un), edges)[0]
    assert np.sum((counts - 2000) ** 2 / 2000) < 10 + 5 * np.sqrt(20)
    np.testing.assert_allclose(_p4(un, "beam") + _p4(un, "target"), _p4(un, "x") + _p4(un, "proton"), atol=1e-9)
    with pytest.raises(GenerationError, match="2 -> 2"):
        gl.Generator(channel(gl.VertexProposal.t_exchange(incoming="beam", outgoing="target")))
    with pytest.raises(GenerationError, match="uniform_fraction"):
        gl.VertexProposal.t_exchange(incoming="beam", outgoing="x", uniform_fraction=2.0)
