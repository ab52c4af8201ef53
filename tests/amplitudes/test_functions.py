"""Shared amplitude math against the spec's reference numbers, scipy, and laddu 0.28.1.

Reference event (laddu v0.11 unit-test fixture, spec §2): K masses 0.498, m(KK) = 1.37437863,
proton mass 1.007, Mandelstam s = 18.50401105, HX cosθ = −0.4611175, φ = −2.65746258,
Φ = 1.93592989, P = 0.38562805.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.special import sph_harm_y, spherical_jn, spherical_yn

from gpu_laddu.amplitudes import functions as fn
from gpu_laddu.errors import ModelError

M_PI0, M_KC, M_K0, M_ETA, M_ETAP = 0.1349768, 0.493677, 0.497611, 0.547862, 0.95778
M_KS = 0.497611
M_RES = 1.37437863
COSTHETA, PHI, POL_ANGLE, POL_MAG = -0.4611175, -2.65746258, 1.93592989, 0.38562805
# (m1, m2) pairs: equal masses, K± K0, and unequal pairs with a pseudo-threshold inside [0.1, 4].
MASS_PAIRS = [(M_PI0, M_PI0), (M_KC, M_K0), (M_PI0, M_ETA), (M_ETA, M_ETAP), (M_PI0, M_ETAP), (0.2, 1.3)]


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖∞ / ‖b‖∞."""
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


# ----------------------------------------------------------------------------- spec reference values


def test_breit_wigner_reference_value() -> None:
    # Spec §0.1: era-A test BreitWigner(1.5, 0.1, l=2, Mass([2]), Mass([3]), Mass([2,3])); the daughter
    # masses are the fixture's kaons (0.498), not m(K_S) = 0.497611 (that gives 2.50833+0.80929i).
    a = complex(fn.breit_wigner(M_RES**2, 1.5, 0.1, 2, 0.498, 0.498))
    assert a == pytest.approx(2.5086842 + 0.8088032j, abs=2e-7)


def test_breit_wigner_conventions() -> None:
    s = np.linspace(1.1, 3.0, 7)
    a = fn.breit_wigner(s, 1.5, 0.1, 2, M_KS, M_KS)
    # Spec §0.1: Γ0 → −Γ0 gives conj(A) and m0 enters only squared.
    assert rel_err(fn.breit_wigner(s, 1.5, -0.1, 2, M_KS, M_KS), np.conj(a)) < 1e-14
    assert rel_err(fn.breit_wigner(s, -1.5, 0.1, 2, M_KS, M_KS), a) < 1e-14
    # At s = m0² the running width is Γ0: A = i/(m0 Γ0).
    assert complex(fn.breit_wigner(2.25, 1.5, 0.1, 3, M_KS, M_KS)) == pytest.approx(1j / 0.15, rel=1e-12)


def test_zlm_reference_value() -> None:
    z = complex(fn.zlm(2, 1, "+", COSTHETA, PHI, POL_ANGLE, POL_MAG))
    assert z == pytest.approx(-0.0441732 + 0.2460144j, abs=2e-7)


def test_phase_space_factor_reference_value() -> None:
    # Era-A test: PhaseSpaceFactor(Mass([1]), Mass([2]), Mass([3]), Mass([2,3]), Mandelstam s).
    value = float(fn.phase_space_factor(1.007, 0.498, 0.498, M_RES, 18.50401105))
    assert value == pytest.approx(7.0284176e-5, rel=2e-7)
    assert float(fn.phase_space_factor(1.007, 0.498, 0.498, 0.9, 18.5)) == 0.0  # below threshold


def test_chew_mandelstam_closed_channel_uses_log_of_ratio() -> None:
    value = complex(fn.chew_mandelstam(1.2, M_ETA, M_ETAP))
    assert value == pytest.approx(0.4756165, abs=2e-7)  # not −1.2732446 (difference of logs)


def test_chew_mandelstam_imaginary_part_above_threshold() -> None:
    for m1, m2 in MASS_PAIRS:
        s = np.linspace((m1 + m2) ** 2 + 1e-3, 6.0, 50)
        rho = fn.rho(s, m1, m2)
        assert np.max(np.abs(rho.imag)) == 0.0
        assert rel_err(fn.chew_mandelstam(s, m1, m2).imag, -rho.real) < 1e-14


def test_rho_kkbar_barrier_at_s_1p5() -> None:
    # Spec §0.4: the signed q² gives 0.7196188 for the ρ(770) pole below the KK̄ threshold.
    q2 = fn.breakup_momentum_squared(np.array([1.5, 0.71093**2]), M_KC, M_K0)
    f = fn.blatt_weisskopf(q2, 1)
    assert complex(f[0] / f[1]) == pytest.approx(0.7196188, abs=2e-7)


def test_breakup_momentum_sheet() -> None:
    m1, m2 = M_PI0, M_ETAP
    s = np.array([0.5, 1.0, 2.0, 4.0])  # (m2 − m1)² = 0.68, (m1 + m2)² = 1.19
    q = fn.breakup_momentum(s, m1, m2)
    q2 = fn.breakup_momentum_squared(s, m1, m2)
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    assert np.allclose(q2, lam / (4 * s), rtol=1e-15)
    assert q[0].imag == 0 and q[0].real > 0  # below the pseudo-threshold: real
    assert q[1].real == 0 and q[1].imag > 0  # between thresholds: +i|q|
    assert np.all(q[2:].imag == 0) and np.all(q[2:].real > 0)
    assert np.allclose(q * q, q2, rtol=1e-14)
    assert np.allclose(fn.rho(s, m1, m2), 2 * q / np.sqrt(s), rtol=1e-15)
    assert np.allclose(fn.chi_plus(s, m1, m2) * fn.chi_minus(s, m1, m2), 4 * q2 / s, rtol=1e-13)


# ----------------------------------------------------------------------------- Blatt–Weisskopf


@pytest.mark.parametrize("l", range(9))
def test_blatt_weisskopf_against_spherical_hankel(l: int) -> None:
    # F_l(z)² = z^l D_l(1)/D_l(z), D_l(z) = x^{2l+2} (j_l(x)² + y_l(x)²) at x = √z.
    def d(x: np.ndarray) -> np.ndarray:
        return x ** (2 * l + 2) * (spherical_jn(l, x) ** 2 + spherical_yn(l, x) ** 2)

    z = np.geomspace(1e-3, 1e3, 200)
    expected = np.sqrt(z**l * d(np.ones(1)) / d(np.sqrt(z)))
    got = fn.blatt_weisskopf(z * 0.1973**2, l)
    assert np.max(np.abs(got - expected) / expected) < 1e-12
    assert complex(fn.blatt_weisskopf(0.1973**2, l)) == pytest.approx(1.0, abs=1e-15)


def test_blatt_weisskopf_signed_z() -> None:
    # Values computed with laddu 0.28.1 at q = 0.1973·i·√0.3: imaginary for odd l (principal √).
    z = -0.3
    expected = {0: 1.0, 1: 0.9258201j, 2: 0.37796447, 3: 0.18781943j, 4: 0.09885697, 5: 0.05300897j}
    for l, value in expected.items():
        assert complex(fn.blatt_weisskopf(z * 0.1973**2, l)) == pytest.approx(value, abs=1e-8)


# ----------------------------------------------------------------------------- spherical harmonics


@pytest.mark.parametrize("l", range(9))
def test_ylm_against_scipy(l: int) -> None:
    rng = np.random.default_rng(l)
    costheta = np.concatenate([rng.uniform(-1, 1, 200), [-1.0, 0.0, 1.0]])
    phi = rng.uniform(-math.pi, math.pi, costheta.size)
    for m in range(-l, l + 1):
        expected = sph_harm_y(l, m, np.arccos(costheta), phi)  # (degree, order, polar, azimuth)
        assert np.max(np.abs(fn.ylm(l, m, costheta, phi) - expected)) < 1e-13, (l, m)


@pytest.mark.parametrize(("l", "m"), [(20, 7), (60, -17), (150, 3), (150, -150)])
def test_ylm_high_l_is_stable(l: int, m: int) -> None:
    costheta = np.linspace(-0.999, 0.999, 101)
    phi = np.linspace(-3.0, 3.0, 101)
    expected = sph_harm_y(l, m, np.arccos(costheta), phi)
    assert np.max(np.abs(fn.ylm(l, m, costheta, phi) - expected)) < 1e-12


@pytest.mark.parametrize(("reflectivity", "sign"), [("+", 1), (1, 1), ("-", -1), (-1, -1)])
def test_zlm_definition(reflectivity: int | str, sign: int) -> None:
    rng = np.random.default_rng(7)
    costheta, phi = rng.uniform(-1, 1, 50), rng.uniform(-3, 3, 50)
    pol_angle, pol_mag = rng.uniform(-3, 3, 50), rng.uniform(0, 1, 50)
    z = sph_harm_y(3, -2, np.arccos(costheta), phi) * np.exp(-1j * pol_angle)
    re_factor, im_factor = np.sqrt(1 + sign * pol_mag), np.sqrt(1 - sign * pol_mag)
    expected = re_factor * z.real + 1j * im_factor * z.imag
    got = fn.zlm(3, -2, reflectivity, costheta, phi, pol_angle, pol_mag)
    assert np.max(np.abs(got - expected)) < 1e-13


def test_pol_phase() -> None:
    got = fn.pol_phase(np.array([0.0, math.pi / 4, POL_ANGLE]), np.array([0.5, 0.2, POL_MAG]))
    expected = np.array([0.5, 0.2j, POL_MAG * complex(math.cos(2 * POL_ANGLE), math.sin(2 * POL_ANGLE))])
    assert np.max(np.abs(got - expected)) < 1e-15


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(("l", "m"), [(1, 2), (2, -3), (-1, 0), (1.0, 0), (True, 0), (2, "1")])
def test_ylm_rejects_bad_quantum_numbers(l: object, m: object) -> None:
    with pytest.raises(ModelError):
        fn.ylm(l, m, 0.1, 0.2)  # type: ignore[arg-type]
    with pytest.raises(ModelError):
        fn.zlm(l, m, "+", 0.1, 0.2, 0.3, 0.4)  # type: ignore[arg-type]


@pytest.mark.parametrize("reflectivity", [0, 2, "plus", "", 1.0, True, None])
def test_zlm_rejects_bad_reflectivity(reflectivity: object) -> None:
    with pytest.raises(ModelError, match="reflectivity"):
        fn.zlm(1, 0, reflectivity, 0.1, 0.2, 0.3, 0.4)  # type: ignore[arg-type]


@pytest.mark.parametrize("l", [-1, 9, 2.0])
def test_barriers_reject_bad_l(l: object) -> None:
    with pytest.raises(ModelError):
        fn.blatt_weisskopf(0.1, l)  # type: ignore[arg-type]
    with pytest.raises(ModelError):
        fn.breit_wigner(1.0, 1.2, 0.1, l, 0.2, 0.3)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- laddu 0.28.1 parity


def _evaluate(laddu, scalars: dict[str, np.ndarray], exprs: dict[str, Any]) -> dict[str, np.ndarray]:
    dataset = laddu.Dataset.from_arrays(p4s={}, scalars=scalars)
    return dict(dataset.evaluate(exprs))


@pytest.fixture(scope="module")
def s_values() -> np.ndarray:
    rng = np.random.default_rng(2024)
    # Random s in [0.1, 4] plus points on both sides of every threshold and pseudo-threshold.
    edges = [(a + b) ** 2 for a, b in MASS_PAIRS] + [(a - b) ** 2 for a, b in MASS_PAIRS]
    near = [e + d for e in edges for d in (-1e-6, 1e-6) if e + d > 0.05]
    return np.concatenate([rng.uniform(0.1, 4.0, 300), near])


@pytest.mark.laddu
def test_two_body_functions_match_laddu(laddu: Any, s_values: np.ndarray) -> None:
    s = laddu.scalar("s")
    exprs = {}
    for k, (m1, m2) in enumerate(MASS_PAIRS):
        exprs[f"q{k}"] = laddu.q(s, mass1=m1, mass2=m2)
        exprs[f"rho{k}"] = laddu.rho(s, mass1=m1, mass2=m2)
        exprs[f"cm{k}"] = laddu.chew_mandelstam(s, mass1=m1, mass2=m2)
    ref = _evaluate(laddu, {"s": s_values}, exprs)
    for k, (m1, m2) in enumerate(MASS_PAIRS):
        assert rel_err(fn.breakup_momentum(s_values, m1, m2), ref[f"q{k}"]) < 1e-12, (m1, m2)
        assert rel_err(fn.rho(s_values, m1, m2), ref[f"rho{k}"]) < 1e-12, (m1, m2)
        assert rel_err(fn.chew_mandelstam(s_values, m1, m2), ref[f"cm{k}"]) < 1e-12, (m1, m2)


@pytest.mark.laddu
def test_blatt_weisskopf_matches_laddu(laddu: Any, s_values: np.ndarray) -> None:
    s = laddu.scalar("s")
    exprs = {}
    for k, (m1, m2) in enumerate(MASS_PAIRS):
        q = laddu.q(s, mass1=m1, mass2=m2)
        for l in range(9):
            exprs[f"{k}_{l}"] = laddu.blatt_weisskopf(q, l=l, kind=laddu.BarrierKind.FULL)
    ref = _evaluate(laddu, {"s": s_values}, exprs)
    for k, (m1, m2) in enumerate(MASS_PAIRS):
        q2 = fn.breakup_momentum_squared(s_values, m1, m2)
        for l in range(9):
            if l == 6:
                continue  # see test_blatt_weisskopf_l6_differs_from_laddu_typo
            assert rel_err(fn.blatt_weisskopf(q2, l), ref[f"{k}_{l}"]) < 1e-9, (m1, m2, l)


@pytest.mark.laddu
def test_blatt_weisskopf_l6_differs_from_laddu_typo(laddu: Any) -> None:
    # laddu 0.28.1 writes the l = 7 constant 18261468225 into the l = 6 denominator (physical: 10395²
    # = 108056025, see test_blatt_weisskopf_against_spherical_hankel), so its F_6(1) = 0.0805, not 1.
    z = np.array([0.05, 0.5, 1.0, 3.0, 40.0])
    q = np.sqrt(z) * 0.1973
    f6 = laddu.blatt_weisskopf(laddu.scalar("q"), l=6, kind=laddu.BarrierKind.FULL)
    ref = _evaluate(laddu, {"q": q}, {"f": f6})
    laddu_denominator = np.polyval([1, 21, 630, 18900, 496125, 9823275, 18261468225], z)
    assert rel_err(ref["f"], np.sqrt(118394977 * z**6 / laddu_denominator)) < 1e-12
    assert abs(ref["f"][2] - 0.0804962942) < 1e-9  # laddu's F_6(z = 1)
    assert complex(fn.blatt_weisskopf(q[2] ** 2, 6)) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.laddu
def test_breit_wigner_matches_laddu(laddu: Any, s_values: np.ndarray) -> None:
    s = laddu.scalar("s")
    # (m0, Γ0, m1, m2): above threshold, a pole below the KK̄ threshold, unequal masses, negative width.
    cases = [(1.5, 0.1, M_KS, M_KS), (0.9, 0.3, M_KC, M_K0), (1.3, 0.25, M_PI0, M_ETA), (0.77, -0.15, M_PI0, M_PI0)]
    exprs = {
        f"{k}_{l}": laddu.relativistic_breit_wigner(s, mass=m0, width=w0, mass1=m1, mass2=m2, l=l)
        for k, (m0, w0, m1, m2) in enumerate(cases)
        for l in range(5)
    }
    ref = _evaluate(laddu, {"s": s_values}, exprs)
    for k, (m0, w0, m1, m2) in enumerate(cases):
        for l in range(5):
            assert rel_err(fn.breit_wigner(s_values, m0, w0, l, m1, m2), ref[f"{k}_{l}"]) < 1e-9, (k, l)


@pytest.mark.laddu
def test_flatte_matches_laddu_pieces(laddu: Any, s_values: np.ndarray) -> None:
    s = laddu.scalar("s")
    m0, g_obs, g_alt = 0.98, 0.35, 0.8
    widths = g_obs * laddu.rho(s, mass1=M_PI0, mass2=M_ETA) + g_alt * laddu.rho(s, mass1=M_KC, mass2=M_K0)
    expr = 1.0 / (m0 * m0 - s - laddu.complex(0.0, m0) * widths)
    ref = _evaluate(laddu, {"s": s_values}, {"f": expr})["f"]
    got = fn.flatte(s_values, m0, g_obs, g_alt, (M_PI0, M_ETA), (M_KC, M_K0))
    assert rel_err(got, ref) < 1e-12


@pytest.mark.laddu
def test_spherical_harmonics_match_laddu(laddu: Any) -> None:
    rng = np.random.default_rng(11)
    costheta, phi = rng.uniform(-1, 1, 200), rng.uniform(-math.pi, math.pi, 200)
    ct, ph = laddu.scalar("costheta"), laddu.scalar("phi")
    lm = [(l, m) for l in range(9) for m in range(-l, l + 1)]
    exprs = {f"{l}_{m}": laddu.spherical_harmonic(l, m, costheta=ct, phi=ph) for l, m in lm}
    ref = _evaluate(laddu, {"costheta": costheta, "phi": phi}, exprs)
    for l, m in lm:
        assert rel_err(fn.ylm(l, m, costheta, phi), ref[f"{l}_{m}"]) < 1e-9, (l, m)


# ----------------------------------------------------------------------------- cupy


@pytest.mark.gpu
def test_cupy_matches_numpy() -> None:
    from gpu_laddu.backends.registry import cuda_available

    if not cuda_available():
        pytest.skip("needs a CUDA GPU; none is present on this machine")
    import cupy as cp

    from gpu_laddu.amplitudes.kmatrix_data import FAMILIES
    from gpu_laddu.amplitudes.kmatrix_precompute import kmatrix_basis

    rng = np.random.default_rng(9)
    s, costheta, phi = rng.uniform(0.1, 4.0, 1000), rng.uniform(-1, 1, 1000), rng.uniform(-3, 3, 1000)
    pol_angle, pol_mag = rng.uniform(-3, 3, 1000), rng.uniform(0, 1, 1000)
    calls: dict[str, Callable[[dict[str, Any]], Any]] = {
        "q": lambda a: fn.breakup_momentum(a["s"], M_PI0, M_ETAP),
        "cm": lambda a: fn.chew_mandelstam(a["s"], M_ETA, M_ETAP),
        "bw": lambda a: fn.breit_wigner(a["s"], 1.3, 0.2, 3, M_KC, M_K0),
        "flatte": lambda a: fn.flatte(a["s"], 0.98, 0.3, 0.6, (M_PI0, M_ETA), (M_KC, M_K0)),
        "psf": lambda a: fn.phase_space_factor(1.007, M_KS, M_KS, np.sqrt(a["s"]) + 1.0, 18.5),
        "ylm": lambda a: fn.ylm(7, -3, a["ct"], a["phi"]),
        "zlm": lambda a: fn.zlm(2, 1, "-", a["ct"], a["phi"], a["pa"], a["pm"]),
        "pol": lambda a: fn.pol_phase(a["pa"], a["pm"]),
    }
    for name, family in FAMILIES.items():
        calls[name] = functools.partial(lambda a, f: kmatrix_basis(f, 0, a["s"]), f=family)
    host = {"s": s, "ct": costheta, "phi": phi, "pa": pol_angle, "pm": pol_mag}
    device = {k: cp.asarray(v) for k, v in host.items()}
    for name, call in calls.items():
        got = call(device)
        assert isinstance(got, cp.ndarray), name
        assert rel_err(cp.asnumpy(got), call(host)) < 1e-12, name
