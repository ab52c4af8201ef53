"""The canonical γp → K_S K_S p models used by the demo, the benchmarks and the parity tests.

* :func:`kmatrix_benchmark_model` — laddu's K-matrix benchmark: S± = f0 + a0 (KK̄) with
  Z00±, D = f2 + a2 (KK̄) with Z22⁺; 34 free couplings (each f0's pole-0 coupling is fixed to
  0 and its pole-1 coupling is real).
* :func:`bw_zlm_model` — laddu's example_1: S-wave f0(1500) and D-wave f2(1525) Breit–Wigners
  with Z00⁺ and Z22⁺, free widths and production coefficients (5 parameters).
* :func:`demo_model` — a K-matrix × Zlm model with 17 free parameters, one overall scale and
  one phase per reflectivity fixed, so that its covariance is regular.

Each returns a :class:`CanonicalModel` with the Model, the true parameter values used to
generate toy data, and a displaced starting point.

Examples
--------
>>> cm = bw_zlm_model()
>>> cm.model.parameters
('S0+ re', 'f0_width', 'D2+ re', 'D2+ im', 'f2_width')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gpu_laddu.amplitudes import BreitWigner, ComplexScalar, Scalar, Zlm
from gpu_laddu.amplitudes.kmatrix import (
    KopfKMatrixA0,
    KopfKMatrixA2,
    KopfKMatrixF0,
    KopfKMatrixF2,
)
from gpu_laddu.ir.expr import Expression, constant, parameter
from gpu_laddu.likelihood.model import Model
from gpu_laddu.physics import Angles, Mass, Polarization

BEAM, RECOIL, K1, K2 = "beam", "proton", "kshort1", "kshort2"
KK = [K1, K2]


@dataclass(frozen=True)
class CanonicalModel:
    """A model with the truth used for toys and a displaced start for fits."""

    model: Model
    truth: dict[str, float]
    start: dict[str, float]


def kinematics() -> tuple[Mass, Angles, Polarization]:
    """The K_S K_S mass, helicity-frame angles of K_S(1) and the beam polarisation."""
    return Mass(KK), Angles(BEAM, RECOIL, K1, KK, frame="helicity"), Polarization(BEAM, RECOIL)


def _couplings(prefix: str, n_poles: int, fixed: Mapping[int, tuple[float | None, float | None]] | None = None
               ) -> list[tuple[Expression, Expression]]:
    fixed = fixed or {}
    out = []
    for pole in range(n_poles):
        re_fix, im_fix = fixed.get(pole, (None, None))
        re = constant(re_fix) if re_fix is not None else parameter(f"{prefix} pole{pole} re")
        im = constant(im_fix) if im_fix is not None else parameter(f"{prefix} pole{pole} im")
        out.append((re, im))
    return out


def _kmatrix_waves(fixed_f0: Mapping[int, tuple[float | None, float | None]],
                   f0_minus_fixed: Mapping[int, tuple[float | None, float | None]],
                   f2_poles: int = 4, a2_poles: int = 2, a0_minus: int = 2) -> Expression:
    mass, angles, pol = kinematics()
    z00p = Zlm("Z00+", 0, 0, "+", angles, pol)
    z00m = Zlm("Z00-", 0, 0, "-", angles, pol)
    z22p = Zlm("Z22+", 2, 2, "+", angles, pol)
    s_plus = (KopfKMatrixF0("f0+", _couplings("f0+", 5, fixed_f0), "kkbar", mass)
              + KopfKMatrixA0("a0+", _couplings("a0+", 2), "kkbar", mass))
    s_minus = (KopfKMatrixF0("f0-", _couplings("f0-", 5, f0_minus_fixed), "kkbar", mass)
               + KopfKMatrixA0("a0-", _couplings("a0-", 2, {p: (0.0, 0.0) for p in range(a0_minus, 2)}),
                               "kkbar", mass))
    d_plus = (KopfKMatrixF2("f2", _couplings("f2", 4, {p: (0.0, 0.0) for p in range(f2_poles, 4)}), "kkbar", mass)
              + KopfKMatrixA2("a2", _couplings("a2", 2, {p: (0.0, 0.0) for p in range(a2_poles, 2)}), "kkbar", mass))
    return ((s_plus * z00p.real() + d_plus * z22p.real()).norm_sqr()
            + (s_plus * z00p.imag() + d_plus * z22p.imag()).norm_sqr()
            + (s_minus * z00m.real()).norm_sqr()
            + (s_minus * z00m.imag()).norm_sqr())


def kmatrix_benchmark_model() -> CanonicalModel:
    """laddu's K-matrix benchmark model (34 free parameters).

    >>> len(kmatrix_benchmark_model().model.parameters)
    34
    """
    fixed = {0: (0.0, 0.0), 1: (None, 0.0)}
    model = Model(_kmatrix_waves(fixed, fixed))
    truth = {name: _truth_value(i) for i, name in enumerate(model.parameters)}
    start = {name: v * 0.8 + 0.1 for name, v in truth.items()}
    return CanonicalModel(model, truth, start)


def _truth_value(i: int) -> float:
    # deterministic, O(1) and sign-alternating couplings
    return round((1.0 + 0.37 * ((i * 7) % 5)) * (1 if i % 3 else -1) * 0.5, 4)


def demo_model() -> CanonicalModel:
    """K-matrix × Zlm model of ``gpu-laddu demo`` (17 free parameters).

    Positive reflectivity: S⁺ = f0 (poles 1, 2; pole 1 fixed to 1, which sets the scale and
    the phase) + a0 (poles 0, 1); D⁺ = f2 (poles 0, 1) + a2 (pole 0).  Negative reflectivity:
    S⁻ = f0 (pole 1 real, pole 2) + a0 (pole 0).

    >>> len(demo_model().model.parameters)
    17
    """
    fixed_plus = {0: (0.0, 0.0), 1: (1.0, 0.0), 3: (0.0, 0.0), 4: (0.0, 0.0)}
    fixed_minus = {0: (0.0, 0.0), 1: (None, 0.0), 3: (0.0, 0.0), 4: (0.0, 0.0)}
    model = Model(_kmatrix_waves(fixed_plus, fixed_minus, f2_poles=2, a2_poles=1, a0_minus=1))
    truth = {
        "f0+ pole2 re": 0.6, "f0+ pole2 im": -0.4, "a0+ pole0 re": 0.8, "a0+ pole0 im": 0.3,
        "a0+ pole1 re": -0.5, "a0+ pole1 im": 0.6, "f2 pole0 re": 0.9, "f2 pole0 im": -0.2,
        "f2 pole1 re": 0.4, "f2 pole1 im": 0.5, "a2 pole0 re": -0.6, "a2 pole0 im": 0.3,
        "f0- pole1 re": 0.7, "f0- pole2 re": 0.3, "f0- pole2 im": 0.4, "a0- pole0 re": 0.5, "a0- pole0 im": -0.3,
    }
    assert set(truth) == set(model.parameters)
    start = {name: v + (0.15 if i % 2 else -0.15) for i, (name, v) in enumerate(truth.items())}
    return CanonicalModel(model, {n: truth[n] for n in model.parameters}, {n: start[n] for n in model.parameters})


def bw_zlm_model() -> CanonicalModel:
    """laddu's example_1 model: f0(1500)·Z00⁺ and f2(1525)·Z22⁺ Breit–Wigners (5 parameters)."""
    mass, angles, pol = kinematics()
    z00 = Zlm("Z00+", 0, 0, "+", angles, pol)
    z22 = Zlm("Z22+", 2, 2, "+", angles, pol)
    bw0 = BreitWigner("f0(1500)", constant(1.506), parameter("f0_width", bounds=(0.001, 1.0)), 0,
                      Mass(K1), Mass(K2), mass)
    bw2 = BreitWigner("f2(1525)", constant(1.517), parameter("f2_width", bounds=(0.001, 1.0)), 2,
                      Mass(K1), Mass(K2), mass)
    s0 = Scalar("S0+", parameter("S0+ re"))
    d2 = ComplexScalar("D2+", parameter("D2+ re"), parameter("D2+ im"))
    model = Model((s0 * bw0 * z00.real() + d2 * bw2 * z22.real()).norm_sqr()
                  + (s0 * bw0 * z00.imag() + d2 * bw2 * z22.imag()).norm_sqr())
    truth = {"S0+ re": 1.0, "f0_width": 0.112, "D2+ re": 0.8, "D2+ im": 0.5, "f2_width": 0.086}
    start = {"S0+ re": 1.0, "f0_width": 0.15, "D2+ re": 0.6, "D2+ im": 0.3, "f2_width": 0.12}
    return CanonicalModel(model, truth, start)
