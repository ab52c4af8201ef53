"""Amplitudes and the canonical models against laddu 0.28.1, per event and through the NLL."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model, demo_model, kinematics, kmatrix_benchmark_model
from gpu_laddu.generate import generate_kskp, generate_kskp_mc
from tests.laddu_models import (
    laddu_breit_wigner,
    laddu_bw_zlm,
    laddu_demo,
    laddu_kmatrix,
    laddu_kmatrix_benchmark,
    laddu_likelihood,
    laddu_zlm,
)
from tests.laddu_oracle import laddu_dataset, laddu_evaluate, laddu_helicity_angles, laddu_polarization

pytestmark = pytest.mark.laddu


def rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def events():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    return generate_kskp(1500, seed=21, pol_angle=0.7, ctx=ctx), generate_kskp_mc(2500, seed=21, pol_angle=0.7,
                                                                                    ctx=ctx)


def _ours(expr, ds, p=()):
    return ds.ctx.to_numpy(gl.Model(expr).load(ds).evaluate(list(p)))


@pytest.mark.parametrize("l, m, r", [(0, 0, "+"), (0, 0, "-"), (1, -1, "+"), (2, 1, "-"), (2, 2, "+"), (4, -3, "+")])
def test_zlm(laddu, events, l, m, r):
    ds = events[0]
    _, angles, pol = kinematics()
    want = laddu_evaluate(laddu_dataset(ds), {"z": laddu_zlm(l, m, r)}, real=False)["z"]
    assert rel(_ours(gl.Zlm("z", l, m, r, angles, pol), ds), want) < 1e-9


@pytest.mark.parametrize("l, m", [(0, 0), (1, 1), (3, -2), (6, 5)])
def test_ylm(laddu, events, l, m):
    ds = events[0]
    _, angles, _ = kinematics()
    costheta, phi = laddu_helicity_angles()
    want = laddu_evaluate(laddu_dataset(ds), {"y": laddu.spherical_harmonic(l, m, costheta=costheta, phi=phi)},
                          real=False)["y"]
    assert rel(_ours(gl.Ylm("y", l, m, angles), ds), want) < 1e-9


def test_polphase(laddu, events):
    ds = events[0]
    pol_angle, pol_mag = laddu_polarization()
    want = laddu_evaluate(laddu_dataset(ds), {"p": pol_mag * laddu.cis(2.0 * pol_angle)}, real=False)["p"]
    assert rel(_ours(gl.PolPhase("p", kinematics()[2]), ds), want) < 1e-9


@pytest.mark.parametrize("l", [0, 1, 2, 3, 4])
def test_breit_wigner_with_free_mass_and_width(laddu, events, l):
    ds = events[0]
    mass, _, _ = kinematics()
    bw = gl.BreitWigner("bw", gl.parameter("m0"), gl.parameter("w0"), l, gl.Mass("kshort1"), gl.Mass("kshort2"),
                        mass)
    got = _ours(bw, ds, [1.45, 0.12])
    expr = laddu_breit_wigner(laddu.parameter("m0"), laddu.parameter("w0"), l)
    model = laddu.Model(expr)
    want = np.asarray(model.evaluate(laddu_dataset(ds), parameters={"m0": 1.45, "w0": 0.12}))
    assert rel(got, want) < 1e-9


@pytest.mark.parametrize("family, cls, channel", [
    ("f0", gl.KopfKMatrixF0, "kkbar"), ("f2", gl.KopfKMatrixF2, "kkbar"), ("a0", gl.KopfKMatrixA0, "kkbar"),
    ("a2", gl.KopfKMatrixA2, "kkbar"), ("rho", gl.KopfKMatrixRho, "kkbar"), ("pi1", gl.KopfKMatrixPi1, "pieta"),
])
def test_kmatrix_amplitudes(laddu, events, family, cls, channel):
    ds = events[0]
    from gpu_laddu.amplitudes.kmatrix_data import FAMILIES

    n = FAMILIES[family].n_poles
    couplings = [(gl.parameter(f"k pole{i} re"), gl.parameter(f"k pole{i} im")) for i in range(n)]
    amp = cls("k", couplings, channel, kinematics()[0])
    rng = np.random.default_rng(3)
    values = {f"k pole{i} {c}": float(rng.normal()) for i in range(n) for c in ("re", "im")}
    model = gl.Model(amp)
    got = ds.ctx.to_numpy(model.load(ds).evaluate(values))
    # laddu with the couplings as constants: with free laddu parameters, 0.28.1 puts π1 on the
    # other branch of the closed πη′ channel below its threshold (not linear in the couplings).
    fixed = {i: (values[f"k pole{i} re"], values[f"k pole{i} im"]) for i in range(n)}
    want = np.asarray(laddu.Model(laddu_kmatrix(family, "k", channel, fixed)).evaluate(laddu_dataset(ds),
                                                                                       parameters=[]))
    assert rel(got, want) < 1e-9


CANONICAL = {
    "bw_zlm": (bw_zlm_model, laddu_bw_zlm),
    "demo": (demo_model, laddu_demo),
    "kmatrix": (kmatrix_benchmark_model, laddu_kmatrix_benchmark),
}


@pytest.mark.parametrize("name", list(CANONICAL))
@pytest.mark.parametrize("extended", [False, True])
def test_canonical_models_values_and_nll(laddu, events, name, extended):
    data, mc = events
    ours_fn, theirs_fn = CANONICAL[name]
    cm = ours_fn()
    p = dict(cm.start)
    # per-event intensity
    got = data.ctx.to_numpy(cm.model.load(data).evaluate(p))
    l_model = laddu.Model(theirs_fn())
    want = np.asarray(l_model.evaluate(laddu_dataset(data), parameters=p))
    assert rel(got, want) < 1e-9
    # likelihood value and gradient
    nll = (gl.ExtendedNLL if extended else gl.NLL)(cm.model, data, mc)
    lik = laddu_likelihood(theirs_fn(), laddu_dataset(data), laddu_dataset(mc), extended=extended)
    assert list(lik.parameter_names) == list(nll.parameters)
    v, g = nll.value_and_gradient(p)
    lv, lg = lik.value_and_gradient(p)
    assert abs(v - lv) <= 1e-10 * abs(lv)
    assert rel(g, np.asarray(lg)) < 1e-10
