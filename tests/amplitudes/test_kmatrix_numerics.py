"""Kopf K-matrix precompute against the spec's reference values, laddu's Rust unit tests and laddu 0.28.1."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gpu_laddu.amplitudes.kmatrix_data import A0, A2, F0, F2, FAMILIES, PI1, RHO, KMatrixFamily
from gpu_laddu.amplitudes.kmatrix_precompute import kmatrix_amplitude, kmatrix_basis
from gpu_laddu.errors import ModelError

S_KSKS = 1.8889166211166355  # m(K_S K_S)² of the unit-test event


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖∞ / ‖b‖∞."""
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def era_a_betas(n: int) -> np.ndarray:
    """β_α = (1 + 0.1α) + i(0.5 − 0.2α), the couplings of the spec's reference values."""
    return np.array([(1 + 0.1 * a) + 1j * (0.5 - 0.2 * a) for a in range(n)])


# Spec §0.2 (f2, a2, ρ, π1: laddu 0.28.1) and §3 (f0, a0: unchanged since era A).
SPEC_VALUES = [
    (F0, "kkbar", 0.1399785 + 0.8542319j),
    (F2, "kkbar", 0.9985408 + 0.1359730j),
    (A0, "kkbar", -1.4458958 + 0.9031436j),
    (A2, "kkbar", -1.1053973 + 0.4609490j),
    (RHO, "kkbar", -0.0315736 - 0.0061031j),
    (PI1, "pieta", -0.2577750 + 0.5568691j),
]


@pytest.mark.parametrize(("family", "channel", "expected"), SPEC_VALUES, ids=[f.name for f, _, _ in SPEC_VALUES])
def test_spec_reference_values(family: KMatrixFamily, channel: str, expected: complex) -> None:
    betas = era_a_betas(family.n_poles)
    basis = kmatrix_basis(family, channel, np.array([S_KSKS]))
    assert complex(basis[0] @ betas) == pytest.approx(expected, abs=2e-7)
    assert complex(kmatrix_amplitude(family, channel, S_KSKS, betas)) == pytest.approx(expected, abs=2e-7)


# laddu v0.21.4 crates/laddu-amplitudes/src/kopf.rs unit tests at s = S_KSKS: the value with
# β_α = (0.1 + 0.2α) + i(0.2 + 0.2α), and ∂A/∂Re β_α, which is the basis b_α itself.
RUST_VALUES = [
    (
        F0,
        "4pi",
        0.2674945594859746 + 0.728945115184662j,
        [
            -0.032491219879072594 - 0.011073489047324615j,
            0.02410530896582612 + 0.007918499653925656j,
            -0.031634528397387424 + 0.01491556758888564j,
            0.5838982754419436 + 0.20716175256804892j,
            0.09145465471022667 + 0.03607718440586096j,
        ],
    ),
    (
        F2,
        "4pi",
        0.02463134381292893 + 0.3964232300397033j,
        [
            -0.3126830073294832 + 0.3800065824936982j,
            0.42922695435353886 + 0.08066577280063536j,
            0.16797520718054035 - 0.00344852097840945j,
            0.05782828678004352 + 0.11392166633067112j,
        ],
    ),
    (
        A0,
        "kkbar",
        -0.800275915726 - 0.13593066320582162j,
        [0.2906192438344459 - 0.09989060459904309j, -1.313683875655594 + 1.1380269958314373j],
    ),
    (
        A2,
        "kkbar",
        -0.2087815057065276 - 0.10173200171306504j,
        [-0.5907384086421178 + 0.9577393826971323j, -0.07676495917043473 - 0.16217424862060273j],
    ),
    (
        RHO,
        "4pi",
        0.09449011845747245 + 0.2609094192601879j,
        [0.02734584719220186 - 0.02806228582431913j, 0.5165660573347531 + 0.17206685156759377j],
    ),
    (PI1, "pietaprime", -0.1102837189594736 + 0.263468912197887j, [0.8333082108726023 + 0.9680727002336681j]),
]


@pytest.mark.parametrize(
    ("family", "channel", "value", "basis"), RUST_VALUES, ids=[f.name for f, _, _, _ in RUST_VALUES]
)
def test_laddu_rust_unit_test_values(family: KMatrixFamily, channel: str, value: complex, basis: list[complex]) -> None:
    betas = np.array([(0.1 + 0.2 * a) + 1j * (0.2 + 0.2 * a) for a in range(family.n_poles)])
    got = kmatrix_basis(family, channel, np.array([S_KSKS]))[0]
    assert rel_err(got, np.array(basis)) < 1e-11
    assert abs(complex(got @ betas) - value) < 1e-11


@pytest.mark.parametrize("family", FAMILIES.values(), ids=list(FAMILIES))
def test_basis_agrees_with_direct_solve_and_shapes(family: KMatrixFamily) -> None:
    rng = np.random.default_rng(3)
    s = rng.uniform(0.1, 4.0, (4, 25))
    betas = rng.normal(size=family.n_poles) + 1j * rng.normal(size=family.n_poles)
    for channel in range(family.n_channels):
        basis = kmatrix_basis(family, channel, s)
        assert basis.shape == (4, 25, family.n_poles) and basis.dtype == np.complex128
        assert rel_err(basis @ betas, kmatrix_amplitude(family, channel, s, betas)) < 1e-12
        assert kmatrix_basis(family, channel, 1.7).shape == (family.n_poles,)


def test_family_tables() -> None:
    assert [(f.name, f.n_channels, f.n_poles, f.l) for f in FAMILIES.values()] == [
        ("f0", 5, 5, 0),
        ("f2", 4, 4, 2),
        ("a0", 2, 2, 0),
        ("a2", 3, 2, 2),
        ("rho", 3, 2, 1),
        ("pi1", 2, 1, 1),
    ]
    for family in FAMILIES.values():
        c = np.array(family.background)
        assert np.array_equal(c, c.T)
        assert (family.adler_zero is not None) == (family.name == "f0")
    assert F0.channel_masses[1] == (2 * 0.1349768, 2 * 0.1349768)
    assert F2.channel_masses[F2.channel_index("kkbar")] == (0.493677, 0.497611)


@pytest.mark.parametrize("channel", [5, -1, "kk", 2.0, True])
def test_bad_channel(channel: object) -> None:
    with pytest.raises(ModelError, match="channel"):
        kmatrix_basis(F0, channel, np.array([1.0]))  # type: ignore[arg-type]


def test_bad_betas() -> None:
    with pytest.raises(ModelError, match="2 couplings"):
        kmatrix_amplitude(A0, 0, 1.0, [1.0, 2.0, 3.0])


# ----------------------------------------------------------------------------- laddu 0.28.1 parity


def laddu_f_vector(laddu: Any, family: KMatrixFamily, s: Any, betas: np.ndarray) -> Any:
    """F vector built from laddu 0.28.1's generic K-matrix pieces (spec §9)."""
    n, n_poles = family.n_channels, family.n_poles
    poles = laddu.vector(list(family.pole_masses))
    barriers = laddu.blatt_weisskopf_barriers(
        s,
        channel_mass_1=laddu.vector([m1 for m1, _ in family.channel_masses]),
        channel_mass_2=laddu.vector([m2 for _, m2 in family.channel_masses]),
        pole_masses=poles,
        l=family.l,
    )
    zero = laddu.complex(0.0, 0.0)
    background = laddu.matrix(
        [
            [
                sum((barriers.at(i, a) * family.background[i][j] * barriers.at(j, a) for a in range(n_poles)), zero)
                for j in range(n)
            ]
            for i in range(n)
        ]
    )
    couplings = laddu.matrix([list(row) for row in family.couplings])
    k = laddu.k_matrix(s, pole_masses=poles, couplings=couplings, barriers=barriers, background=background)
    if family.adler_zero is not None:
        s0, s_norm = family.adler_zero
        k = laddu.matrix([[(s - s0) / s_norm * k.at(i, j) for j in range(n)] for i in range(n)])
    production = laddu.vector([laddu.complex(float(b.real), float(b.imag)) for b in betas])
    p = laddu.p_vector(s, pole_masses=poles, production=production, couplings=couplings, barriers=barriers)
    phase_space = laddu.matrix(
        [
            [laddu.chew_mandelstam(s, mass1=m1, mass2=m2) if i == j else zero for j in range(n)]
            for i, (m1, m2) in enumerate(family.channel_masses)
        ]
    )
    return laddu.f_vector(s, pole_masses=poles, k=k, p=p, phase_space=phase_space)


@pytest.mark.laddu
@pytest.mark.parametrize("family", FAMILIES.values(), ids=list(FAMILIES))
def test_kmatrix_matches_laddu(laddu: Any, family: KMatrixFamily) -> None:
    rng = np.random.default_rng(5)
    # Random s over [0.1, 4] GeV², denser in the resonance region, plus the reference point.
    s_values = np.concatenate([rng.uniform(0.1, 4.0, 200), rng.uniform(0.8, 2.5, 100), [S_KSKS]])
    betas = rng.normal(size=family.n_poles) + 1j * rng.normal(size=family.n_poles)
    f = laddu_f_vector(laddu, family, laddu.scalar("s"), betas)
    dataset = laddu.Dataset.from_arrays(p4s={}, scalars={"s": s_values})
    ref = dataset.evaluate({str(i): f[i] for i in range(family.n_channels)})
    for channel in range(family.n_channels):
        got = kmatrix_basis(family, channel, s_values) @ betas
        assert rel_err(got, ref[str(channel)]) < 1e-9, (family.name, channel)


@pytest.mark.parametrize("family", FAMILIES.values(), ids=list(FAMILIES))
def test_numba_kernel_is_as_accurate_as_the_whole_array_solve(family: KMatrixFamily) -> None:
    """The numba backend's per-event kernel against the direct solve, near the poles too: its
    error is never more than 10x that of the numpy/cupy path (both lose digits as Π → 0)."""
    kernel = pytest.importorskip("cpu_fallback.kmatrix_kernel", reason="numba is not installed")
    rng = np.random.default_rng(5)
    poles = np.asarray(family.pole_masses) ** 2
    s = np.concatenate([rng.uniform(0.1, 4.0, 2000), poles * (1 + 1e-9), poles * (1 - 1e-7)])
    betas = rng.normal(size=family.n_poles) + 1j * rng.normal(size=family.n_poles)
    for channel in range(family.n_channels):
        direct = kmatrix_amplitude(family, channel, s, betas)
        whole = kmatrix_basis(family, channel, s)
        got = kmatrix_basis(family, channel, s, solver=kernel.basis_from_channels)
        assert got.shape == whole.shape and got.dtype == np.complex128
        err_kernel = np.abs(got @ betas - direct) / np.abs(direct)
        err_whole = np.abs(whole @ betas - direct) / np.abs(direct)
        assert np.all(err_kernel <= 10 * err_whole + 1e-12), (family.name, channel, err_kernel.max())


# ------------------------------------------------------------------ at a pole (issue 14, defect 9)


def _pole_points(family: KMatrixFamily) -> np.ndarray:
    poles = np.asarray(family.pole_masses, dtype=np.float64) ** 2
    return np.concatenate([poles, poles * (1 + 3e-7), poles * (1 - 3e-7), np.nextafter(poles, 0.0)])


@pytest.mark.parametrize("family", FAMILIES.values(), ids=list(FAMILIES))
def test_exactly_at_a_pole_both_backends_give_the_limit(family: KMatrixFamily) -> None:
    """At s = m_α² the general solve is singular (numpy gave 4.17, numba −6.25 where the limit is −0.955);
    both backends now give the limit of the amplitude, continuous with its values nearby."""
    kernel = pytest.importorskip("cpu_fallback.kmatrix_kernel", reason="numba is not installed")
    n = family.n_poles
    s = _pole_points(family)
    betas = np.random.default_rng(9).normal(size=n) + 1j * np.random.default_rng(10).normal(size=n)
    for channel in range(family.n_channels):
        whole = kmatrix_basis(family, channel, s) @ betas
        numba = kmatrix_basis(family, channel, s, solver=kernel.basis_from_channels) @ betas
        assert np.all(np.isfinite(whole)) and np.all(np.isfinite(numba))
        assert rel_err(numba, whole) < 1e-12, (family.name, channel)
        # the limit: the direct solve on both sides of the pole, where it is regular
        above = kmatrix_amplitude(family, channel, s[n:2 * n] * (1 + 1e-5) / (1 + 3e-7), betas)
        below = kmatrix_amplitude(family, channel, s[2 * n:3 * n] * (1 - 1e-5) / (1 - 3e-7), betas)
        limit = 0.5 * (above + below)
        assert rel_err(whole[:n], limit) < 1e-4, (family.name, channel)
        for near in (whole[n:2 * n], whole[2 * n:3 * n], whole[3 * n:]):  # continuity through the window
            assert rel_err(near, whole[:n]) < 1e-5, (family.name, channel)


@pytest.mark.laddu
@pytest.mark.parametrize("family", [F0, A0, RHO], ids=["f0", "a0", "rho"])
def test_pole_limit_matches_laddu_next_to_the_pole(laddu: Any, family: KMatrixFamily) -> None:
    """laddu's own value exactly at a pole is a rounding artefact of the singular solve (a0's second pole:
    8i, where the limit is 1.11+3.05i); next to the pole it is regular, and our value at the pole is its limit."""
    n = family.n_poles
    poles = np.asarray(family.pole_masses) ** 2
    betas = era_a_betas(n)
    f = laddu_f_vector(laddu, family, laddu.scalar("s"), betas)
    side = np.concatenate([poles * (1 + 1e-6), poles * (1 - 1e-6)])
    ref = laddu.Dataset.from_arrays(p4s={}, scalars={"s": side}).evaluate(
        {str(i): f[i] for i in range(family.n_channels)})
    for channel in range(family.n_channels):
        limit = 0.5 * (ref[str(channel)][:n] + ref[str(channel)][n:])
        assert rel_err(kmatrix_basis(family, channel, poles) @ betas, limit) < 1e-4, (family.name, channel)
