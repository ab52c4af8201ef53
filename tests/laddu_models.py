"""laddu 0.28.1 versions of gpu_laddu's amplitudes and canonical models (parity-test oracle).

Built from laddu's generic pieces (``reference/laddu-spec.md`` §9) on top of
:mod:`tests.laddu_oracle`; parameter names are the same as in :mod:`gpu_laddu.canonical`,
so parameter vectors can be passed by name to both libraries.  Import laddu only through
the ``laddu`` fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gpu_laddu.amplitudes.kmatrix_data import FAMILIES, KMatrixFamily
from tests.laddu_oracle import _ld, laddu_helicity_angles, laddu_mass_s, laddu_polarization

KS_MASS = 0.497611


def laddu_zlm(l: int, m: int, reflectivity: str) -> Any:
    """Zlm(l, m, ε) on the standard helicity angles and polarisation."""
    ld = _ld()
    costheta, phi = laddu_helicity_angles()
    pol_angle, pol_mag = laddu_polarization()
    z = ld.spherical_harmonic(l, m, costheta=costheta, phi=phi) * ld.cis(-pol_angle)
    plus, minus = (1.0 + pol_mag).sqrt(), (1.0 - pol_mag).sqrt()
    if reflectivity == "+":
        return ld.complex(plus * z.real(), minus * z.imag())
    return ld.complex(minus * z.real(), plus * z.imag())


def laddu_breit_wigner(mass: Any, width: Any, l: int) -> Any:
    """0.28.1's relativistic Breit–Wigner of the K_S K_S system."""
    ld = _ld()
    _, s = laddu_mass_s()
    return ld.relativistic_breit_wigner(s, mass=mass, width=width, mass1=KS_MASS, mass2=KS_MASS, l=l)


def laddu_f_vector(family: KMatrixFamily, s: Any, production: Sequence[Any], ld: Any = None) -> Any:
    """The K-matrix F vector of ``family`` with production couplings ``production`` (laddu exprs).

    ``ld`` is the module the script runs with: laddu by default, or ``gpu_laddu`` (the same
    script, only the import changed).
    """
    ld = ld or _ld()
    n, n_poles = family.n_channels, family.n_poles
    poles = ld.vector(list(family.pole_masses))
    barriers = ld.blatt_weisskopf_barriers(
        s, channel_mass_1=ld.vector([m1 for m1, _ in family.channel_masses]),
        channel_mass_2=ld.vector([m2 for _, m2 in family.channel_masses]), pole_masses=poles, l=family.l)
    zero = ld.complex(0.0, 0.0)
    background = ld.matrix([[sum((barriers.at(i, a) * family.background[i][j] * barriers.at(j, a)
                                  for a in range(n_poles)), zero) for j in range(n)] for i in range(n)])
    couplings = ld.matrix([list(row) for row in family.couplings])
    k = ld.k_matrix(s, pole_masses=poles, couplings=couplings, barriers=barriers, background=background)
    if family.adler_zero is not None:
        s0, s_norm = family.adler_zero
        k = ld.matrix([[(s - s0) / s_norm * k.at(i, j) for j in range(n)] for i in range(n)])
    p = ld.p_vector(s, pole_masses=poles, production=ld.vector(list(production)), couplings=couplings,
                    barriers=barriers)
    phase_space = ld.matrix([[ld.chew_mandelstam(s, mass1=m1, mass2=m2) if i == j else zero for j in range(n)]
                             for i, (m1, m2) in enumerate(family.channel_masses)])
    return ld.f_vector(s, pole_masses=poles, k=k, p=p, phase_space=phase_space)


def laddu_kmatrix(family: str, prefix: str, channel: str, fixed: dict[int, tuple[float | None, float | None]]
                  ) -> Any:
    """K-matrix amplitude with couplings named like :mod:`gpu_laddu.canonical` (``"<prefix> pole<k> re"``)."""
    ld = _ld()
    fam = FAMILIES[family]
    # s as the square of the (real) KK mass: laddu's own `channel.s("kk")` carries a signed-zero
    # imaginary part that flips the branch of closed channels (e.g. π1's πη′ below 1.194 GeV²),
    # disagreeing with laddu's evaluation of the same formula on a real s column.
    m, _ = laddu_mass_s()
    s = m * m
    production = []
    for pole in range(fam.n_poles):
        re_fix, im_fix = fixed.get(pole, (None, None))
        re = re_fix if re_fix is not None else ld.parameter(f"{prefix} pole{pole} re")
        im = im_fix if im_fix is not None else ld.parameter(f"{prefix} pole{pole} im")
        production.append(ld.complex(re, im))
    return laddu_f_vector(fam, s, production)[fam.channel_index(channel)]


def laddu_kmatrix_waves(fixed_plus: dict[int, Any], fixed_minus: dict[int, Any], f2_poles: int = 4,
                        a2_poles: int = 2, a0_minus: int = 2) -> Any:
    """The K-matrix × Zlm intensity of :func:`gpu_laddu.canonical._kmatrix_waves`, in laddu."""
    zero = {p: (0.0, 0.0) for p in range(5)}
    s_plus = laddu_kmatrix("f0", "f0+", "kkbar", fixed_plus) + laddu_kmatrix("a0", "a0+", "kkbar", {})
    s_minus = (laddu_kmatrix("f0", "f0-", "kkbar", fixed_minus)
               + laddu_kmatrix("a0", "a0-", "kkbar", {p: zero[p] for p in range(a0_minus, 2)}))
    d_plus = (laddu_kmatrix("f2", "f2", "kkbar", {p: zero[p] for p in range(f2_poles, 4)})
              + laddu_kmatrix("a2", "a2", "kkbar", {p: zero[p] for p in range(a2_poles, 2)}))
    z00p, z00m, z22p = laddu_zlm(0, 0, "+"), laddu_zlm(0, 0, "-"), laddu_zlm(2, 2, "+")
    return ((s_plus * z00p.real() + d_plus * z22p.real()).norm_sqr()
            + (s_plus * z00p.imag() + d_plus * z22p.imag()).norm_sqr()
            + (s_minus * z00m.real()).norm_sqr() + (s_minus * z00m.imag()).norm_sqr())


def laddu_kmatrix_benchmark() -> Any:
    """laddu version of :func:`gpu_laddu.canonical.kmatrix_benchmark_model`."""
    fixed = {0: (0.0, 0.0), 1: (None, 0.0)}
    return laddu_kmatrix_waves(fixed, fixed)


def laddu_demo() -> Any:
    """laddu version of :func:`gpu_laddu.canonical.demo_model`."""
    plus = {0: (0.0, 0.0), 1: (1.0, 0.0), 3: (0.0, 0.0), 4: (0.0, 0.0)}
    minus = {0: (0.0, 0.0), 1: (None, 0.0), 3: (0.0, 0.0), 4: (0.0, 0.0)}
    return laddu_kmatrix_waves(plus, minus, f2_poles=2, a2_poles=1, a0_minus=1)


def laddu_bw_zlm() -> Any:
    """laddu version of :func:`gpu_laddu.canonical.bw_zlm_model` (example_1)."""
    ld = _ld()
    bw0 = laddu_breit_wigner(1.506, ld.parameter("f0_width"), 0)
    bw2 = laddu_breit_wigner(1.517, ld.parameter("f2_width"), 2)
    s0 = ld.parameter("S0+ re")
    d2 = ld.complex(ld.parameter("D2+ re"), ld.parameter("D2+ im"))
    z00, z22 = laddu_zlm(0, 0, "+"), laddu_zlm(2, 2, "+")
    return ((s0 * bw0 * z00.real() + d2 * bw2 * z22.real()).norm_sqr()
            + (s0 * bw0 * z00.imag() + d2 * bw2 * z22.imag()).norm_sqr())


def laddu_bw_zlm_tagged() -> Any:
    """:func:`laddu_bw_zlm` with its waves tagged ``"S"`` (f0 · Z00⁺) and ``"D"`` (f2 · Z22⁺).

    ``tags=["S"]`` in laddu selects what ``isolate(["S0+", "f0(1500)", "Z00+"])`` keeps in gpu_laddu.
    """
    ld = _ld()
    bw0 = laddu_breit_wigner(1.506, ld.parameter("f0_width"), 0)
    bw2 = laddu_breit_wigner(1.517, ld.parameter("f2_width"), 2)
    s0 = ld.parameter("S0+ re")
    d2 = ld.complex(ld.parameter("D2+ re"), ld.parameter("D2+ im"))
    z00, z22 = laddu_zlm(0, 0, "+"), laddu_zlm(2, 2, "+")
    s_re, s_im = (s0 * bw0 * z00.real()).tagged("S"), (s0 * bw0 * z00.imag()).tagged("S")
    d_re, d_im = (d2 * bw2 * z22.real()).tagged("D"), (d2 * bw2 * z22.imag()).tagged("D")
    return (s_re + d_re).norm_sqr() + (s_im + d_im).norm_sqr()


LADDU_MODELS: dict[str, Callable[[], Any]] = {
    "kmatrix": laddu_kmatrix_benchmark, "demo": laddu_demo, "bw_zlm": laddu_bw_zlm,
}


def laddu_likelihood(expr: Any, data: Any, accmc: Any, extended: bool = False) -> Any:
    """A laddu ``Likelihood`` with one NLL (or ExtendedNLL) term, f64, default threads."""
    ld = _ld()
    model = ld.Model(expr)
    term = (ld.ExtendedNLL if extended else ld.NLL)(model, data=data, accepted_mc=accmc, name="term")
    return ld.Likelihood([term], execution=ld.Execution("auto", precision="f64"))
