"""Phase-space generator: conservation, masses, seeding across ranks, and densities vs analytic forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import gpu_laddu as gl
from gpu_laddu.errors import DataError
from gpu_laddu.generate import (
    NBodyPhaseSpace,
    generate_kskp,
    generate_kskp_mc,
    generate_phase_space,
    phase_space_events,
)
from gpu_laddu.generate.phase_space import BLOCK_SIZE
from gpu_laddu.physics import Phi

M_K, M_P = 0.497611, 0.938272


def _mdot(a, b):
    return a[..., 0] * b[..., 0] - np.einsum("...i,...i->...", a[..., 1:], b[..., 1:])


def _q(m, m1, m2):
    """Two-body breakup momentum, written out independently of the library."""
    return np.sqrt(np.maximum((m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2), 0.0)) / (2 * m)


def _host(ds, name):
    return np.stack([ds.ctx.to_numpy(c) for c in ds.p4(name)], axis=1)


class FakeComm:
    """Stands in for an MPI communicator of ``size`` ranks (no collective is needed here)."""

    name = "fake"

    def __init__(self, rank, size):
        self.rank, self.size = rank, size

    def allreduce_sum(self, values):
        raise AssertionError("generation must not need a collective")

    def allgatherv(self, values):
        raise AssertionError("generation must not need a collective")

    def bcast(self, obj, root=0):
        return obj

    def abort(self, code=1):
        raise SystemExit(code)


# -- kinematics ---------------------------------------------------------------------------
def test_kskp_conserves_four_momentum_and_masses(ctx):
    ds = generate_kskp(5000, beam_energy=8.5, seed=3, ctx=ctx)
    beam, p, k1, k2 = (_host(ds, n) for n in ("beam", "proton", "kshort1", "kshort2"))
    s = M_P**2 + 2 * M_P * 8.5
    q_cm = (s - M_P**2) / (2 * np.sqrt(s))
    target = np.array([np.sqrt(q_cm**2 + M_P**2), 0.0, 0.0, -q_cm])
    scale = np.sqrt(s)
    np.testing.assert_allclose(k1 + k2 + p - beam, np.broadcast_to(target, beam.shape), rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(beam, np.broadcast_to([q_cm, 0, 0, q_cm], beam.shape), rtol=1e-15)
    for vec, m in ((beam, 0.0), (p, M_P), (k1, M_K), (k2, M_K)):
        np.testing.assert_allclose(_mdot(vec, vec), m**2, rtol=0, atol=1e-12 * scale**2)
    assert ds.ctx is ctx and ds.n_events == 5000 and not ds.has_explicit_weights
    assert ds.p4_names == ("beam", "proton", "kshort1", "kshort2")
    assert ctx.to_numpy(ds.scalar("pol_magnitude")).tolist() == [0.35] * 5000
    assert ctx.to_numpy(ds.scalar("pol_angle")).tolist() == [0.0] * 5000


def test_eps_columns_hold_the_polarisation_vector(cpu_ctx):
    ds = generate_kskp(10, pol_magnitude=0.4, pol_angle=2.0, eps_columns=True, ctx=cpu_ctx)
    assert ds.scalar_names == ("pol_magnitude", "pol_angle", "eps_x", "eps_y", "eps_z")
    np.testing.assert_allclose(ds.scalar("eps_x"), 0.4 * np.cos(2.0))
    np.testing.assert_allclose(ds.scalar("eps_y"), 0.4 * np.sin(2.0))
    assert (ds.scalar("eps_z") == 0).all()


def test_n_body_conservation_and_masses():
    masses = [0.13957, 0.493677, 0.0, 1.2, 0.3]
    p4s, w = NBodyPhaseSpace(3.5, masses).sample(np.random.default_rng(1), 20000)
    np.testing.assert_allclose(sum(p4s), np.broadcast_to([3.5, 0, 0, 0], p4s[0].shape), rtol=0, atol=1e-12 * 3.5)
    for p, m in zip(p4s, masses):
        np.testing.assert_allclose(_mdot(p, p), m**2, rtol=0, atol=1e-12 * 3.5**2)
        assert (p[:, 0] > 0).all()
    assert ((w > 0) & (w <= 1)).all()


def test_two_body_is_monochromatic():
    p4s, w = NBodyPhaseSpace(3.0, [1.0, 0.5]).sample(np.random.default_rng(0), 1000)
    np.testing.assert_allclose(np.linalg.norm(p4s[0][:, 1:], axis=1), _q(3.0, 1.0, 0.5), rtol=1e-13)
    np.testing.assert_allclose(w, 1.0, rtol=1e-13)


# -- seeding -----------------------------------------------------------------------------------
def test_same_seed_same_events_other_seed_or_stream_differs(cpu_ctx):
    a = _host(generate_kskp(300, seed=9, ctx=cpu_ctx), "kshort1")
    b = _host(generate_kskp(300, seed=9, ctx=cpu_ctx), "kshort1")
    c = _host(generate_kskp(300, seed=10, ctx=cpu_ctx), "kshort1")
    d = _host(generate_kskp_mc(300, seed=9, ctx=cpu_ctx), "kshort1")
    assert np.array_equal(a, b)
    assert not np.isclose(a, c).all(axis=1).any() and not np.isclose(a, d).all(axis=1).any()


@pytest.mark.parametrize("weighted", [False, True])
def test_event_ranges_are_slices_of_one_global_sequence(weighted):
    args = (2.5, [0.2, 0.3, 0.4, 0.1])
    full, w_full = phase_space_events(*args, 2600, seed=4, weighted=weighted, block_size=500)
    for start, stop in [(0, 10), (499, 501), (730, 1999), (2599, 2600), (1000, 1000)]:
        part, w_part = phase_space_events(*args, stop, start=start, seed=4, weighted=weighted, block_size=500)
        for a, b in zip(full, part):
            assert np.array_equal(a[start:stop], b)
        assert np.array_equal(w_full[start:stop], w_part)
    assert (w_full == 1.0).all() != weighted


@pytest.mark.parametrize("size", [2, 3, 7])
def test_rank_layout_does_not_change_the_events(size, cpu_ctx):
    n = 2 * BLOCK_SIZE + 1234
    single = generate_kskp(n, seed=21, ctx=cpu_ctx)
    parts = []
    for rank in range(size):
        ctx = gl.ExecutionContext(device="cpu", backend="numpy", comm=FakeComm(rank, size))
        ds = generate_kskp(n, seed=21, ctx=ctx)
        assert ds.n_events_global == n
        parts.append(ds)
    for name in single.p4_names:
        joined = np.concatenate([_host(ds, name) for ds in parts])
        assert np.array_equal(joined, _host(single, name)), name


def test_more_ranks_than_events():
    sizes = []
    for rank in range(4):
        ctx = gl.ExecutionContext(device="cpu", backend="numpy", comm=FakeComm(rank, 4))
        sizes.append(generate_kskp(3, ctx=ctx).n_events)
    assert sizes == [1, 1, 1, 0]


# -- densities ---------------------------------------------------------------------------------
def _dalitz_m23_range(m12_sq, big_m, m1, m2, m3):
    m12 = np.sqrt(m12_sq)
    e2 = (m12_sq - m1**2 + m2**2) / (2 * m12)
    e3 = (big_m**2 - m12_sq - m3**2) / (2 * m12)
    p2, p3 = np.sqrt(np.maximum(e2**2 - m2**2, 0)), np.sqrt(np.maximum(e3**2 - m3**2, 0))
    return (e2 + e3) ** 2 - (p2 + p3) ** 2, (e2 + e3) ** 2 - (p2 - p3) ** 2


@pytest.fixture(scope="module")
def kskp_sample():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = generate_kskp(60000, seed=1, ctx=ctx)
    yield {n: _host(ds, n) for n in ds.p4_names}
    ctx.close()


def test_dalitz_plot_is_uniform(kskp_sample):
    k1, k2, p = kskp_sample["kshort1"], kskp_sample["kshort2"], kskp_sample["proton"]
    big_m = np.sqrt(M_P**2 + 2 * M_P * 8.5)
    m12_sq, m23_sq = _mdot(k1 + k2, k1 + k2), _mdot(k2 + p, k2 + p)
    lo, hi = _dalitz_m23_range(m12_sq, big_m, M_K, M_K, M_P)
    assert ((m23_sq >= lo - 1e-9) & (m23_sq <= hi + 1e-9)).all()
    # uniform density: given m12², m23² is uniform between its bounds ...
    u = (m23_sq - lo) / (hi - lo)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert stats.spearmanr(u, m12_sq).pvalue > 1e-3
    # ... and m12² follows the length of the Dalitz-plot slice, ∝ |p2*| |p3*| in the 12 frame
    grid = np.linspace(4 * M_K**2, (big_m - M_P) ** 2, 20001)
    m12 = np.sqrt(grid)
    density = _q(m12, M_K, M_K) * _q(big_m, m12, M_P) * big_m / m12
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(grid))])
    assert stats.kstest(m12_sq, lambda x: np.interp(x, grid, cdf / cdf[-1])).pvalue > 1e-3


def test_kk_decay_angles_are_flat(kskp_sample):
    k1, k2, p = kskp_sample["kshort1"], kskp_sample["kshort2"], kskp_sample["proton"]
    kk = k1 + k2
    m = np.sqrt(_mdot(kk, kk))
    e1, ep = _mdot(k1, kk) / m, _mdot(p, kk) / m
    cos_hx = -(e1 * ep - _mdot(k1, p)) / (np.sqrt(e1**2 - M_K**2) * np.sqrt(ep**2 - M_P**2))
    assert stats.kstest(cos_hx, "uniform", args=(-1, 2)).pvalue > 1e-3
    phi = Phi("beam", "proton", "kshort1", ["kshort1", "kshort2"]).value(
        gl.from_numpy(p4s=kskp_sample))
    assert stats.kstest(phi, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3
    cos_recoil = p[:, 3] / np.linalg.norm(p[:, 1:], axis=1)  # isotropic production in the CM
    assert stats.kstest(cos_recoil, "uniform", args=(-1, 2)).pvalue > 1e-3


@pytest.mark.parametrize("weighted", [True, False])
def test_four_body_matches_analytic_projection(weighted):
    masses = [0.3, 0.5, 0.2, 0.4]
    big_m = 2.6
    p4s, w = phase_space_events(big_m, masses, 200000 if weighted else 40000, seed=8, weighted=weighted)
    if weighted:
        assert ((w > 0) & (w <= 1)).all() and w.std() > 0.3 * w.mean()
    else:
        assert (w == 1.0).all()
    m34 = np.sqrt(_mdot(p4s[2] + p4s[3], p4s[2] + p4s[3]))
    # dΦ4/dm34² ∝ q(m34; m3, m4)/m34 · Φ3(M; m1, m2, m34),  Φ3 ∝ ∫ dm12² q(M; m12, m34) q(m12; m1, m2)/m12
    edges = np.linspace(masses[2] + masses[3], big_m - masses[0] - masses[1], 26)
    fine = np.linspace(edges[0], edges[-1], 2501)[1:-1]

    def phi3(m_c):
        m12 = np.linspace(masses[0] + masses[1], big_m - m_c, 801)
        f = _q(big_m, m12, m_c) * _q(m12, masses[0], masses[1]) / m12 * 2 * m12
        return np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(m12))

    dens = np.array([_q(x, masses[2], masses[3]) / x * phi3(x) * 2 * x for x in fine])  # per unit m34
    expected = np.histogram(fine, edges, weights=dens)[0]
    expected *= w.sum() / expected.sum()
    observed = np.histogram(m34, edges, weights=w)[0]
    variance = np.histogram(m34, edges, weights=w**2)[0]
    chi2 = np.sum((observed - expected) ** 2 / variance)
    assert chi2 < stats.chi2.ppf(0.999, len(expected) - 1), chi2
    if weighted:  # the same sample without its weights is visibly not phase space
        unweighted = np.histogram(m34, edges)[0] * (w.sum() / len(w))
        assert np.sum((unweighted - expected) ** 2 / variance) > 10 * chi2


# -- bad input ---------------------------------------------------------------------------------
def test_bad_requests_raise_data_errors(cpu_ctx):
    with pytest.raises(DataError, match="threshold"):
        generate_kskp(10, beam_energy=1.0, ctx=cpu_ctx)
    with pytest.raises(DataError, match="n_events"):
        generate_kskp(0, ctx=cpu_ctx)
    with pytest.raises(DataError, match="pol_magnitude"):
        generate_kskp(10, pol_magnitude=1.5, ctx=cpu_ctx)
    with pytest.raises(DataError, match="at least two"):
        NBodyPhaseSpace(1.0, [0.1])
    with pytest.raises(DataError, match="range"):
        phase_space_events(1.0, [0.1, 0.1], 5, start=6)


def test_generate_phase_space_dataset(cpu_ctx):
    ds = generate_phase_space(1000, 1.0, {"a": 0.1, "b": 0.2, "c": 0.3}, weighted=True, seed=5, ctx=cpu_ctx)
    assert ds.p4_names == ("a", "b", "c") and ds.has_explicit_weights
    total = sum(_host(ds, n) for n in ds.p4_names)
    np.testing.assert_allclose(total, np.broadcast_to([1.0, 0, 0, 0], total.shape), atol=1e-12)
    assert ((ds.weights > 0) & (ds.weights <= 1)).all()
