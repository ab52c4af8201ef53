"""The K-matrix language (barriers, k_matrix, p_vector, f_vector, chew_mandelstam): laddu 0.28.1's
own script run with ``gpu_laddu`` in place of ``laddu`` gives laddu's values, the built-in
``KopfKMatrix*`` values, the built-in cache layout (found by the factor_linear pass), and
analytic gradients with a free pole mass."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.amplitudes.kmatrix_data import FAMILIES
from gpu_laddu.errors import ModelError
from tests.laddu_models import laddu_f_vector
from tests.laddu_oracle import laddu_dataset

BUILTIN = {"f0": gl.KopfKMatrixF0, "f2": gl.KopfKMatrixF2, "a0": gl.KopfKMatrixA0, "a2": gl.KopfKMatrixA2,
           "rho": gl.KopfKMatrixRho, "pi1": gl.KopfKMatrixPi1}


def _production(ld, n_poles: int):  # type: ignore[no-untyped-def]
    return [ld.complex(ld.parameter(f"p{a} re"), ld.parameter(f"p{a} im")) for a in range(n_poles)]


def _s(ld):  # type: ignore[no-untyped-def]
    return (ld.Vec4.event("kshort1") + ld.Vec4.event("kshort2")).m2()


def _values(n: int) -> list[float]:
    return list(np.linspace(0.1, 1.0, 2 * n))


@pytest.mark.parametrize("name", list(FAMILIES))
def test_script_with_gpu_laddu_matches_laddu(laddu, cpu_ctx, name):  # type: ignore[no-untyped-def]
    fam = FAMILIES[name]
    ds = gl.generate_kskp(150, seed=3, ctx=cpu_ctx)
    if name == "pi1":  # laddu's branch of the closed πη′ channel below 1.194 GeV² follows the sign of a
        ds = ds.select(gl.Model(_s(gl)).evaluate(ds, real=True) > 1.2)  # zero imaginary part of s
    out = {}
    for ld in (laddu, gl):
        f = laddu_f_vector(fam, _s(ld), _production(ld, fam.n_poles), ld=ld)
        expr = f[0] * 1.0
        for i in range(1, fam.n_channels):
            expr = expr + f[i] * (i + 1.0)
        data = laddu_dataset(ds) if ld is laddu else ds
        out[ld.__name__] = np.asarray(ld.Model(expr).evaluate(data, parameters=_values(fam.n_poles)))
    a, b = out["laddu"], out["gpu_laddu"]
    assert np.max(np.abs(a - b)) <= 1e-10 * np.max(np.abs(a))


@pytest.mark.parametrize("name", list(FAMILIES))
def test_generic_equals_builtin_and_has_its_cache_layout(ctx, name):  # type: ignore[no-untyped-def]
    fam = FAMILIES[name]
    ds = gl.generate_kskp(200, seed=4, ctx=ctx)
    generic = laddu_f_vector(fam, _s(gl), _production(gl, fam.n_poles), ld=gl)[0]
    builtin = BUILTIN[name]("K", [(gl.parameter(f"p{a} re"), gl.parameter(f"p{a} im")) for a in range(fam.n_poles)],
                            0, gl.Mass(["kshort1", "kshort2"]))
    p = _values(fam.n_poles)
    ev_g, ev_b = gl.Model(generic).load(ds), gl.Model(builtin).load(ds)
    a, b = (np.asarray(ctx.to_numpy(ev.evaluate(p))) for ev in (ev_g, ev_b))
    assert np.max(np.abs(a - b)) <= 1e-10 * np.max(np.abs(b))
    ga, gb = (np.asarray(ctx.to_numpy(ev.evaluate_gradient(p))) for ev in (ev_g, ev_b))
    assert np.max(np.abs(ga - gb)) <= 1e-10 * np.max(np.abs(gb))
    assert len(ev_g.cache) <= fam.n_poles  # one column per pole, as the built-in


def test_free_pole_mass_gradient_and_backends(ctx, cpu_ctx):  # type: ignore[no-untyped-def]
    fam = FAMILIES["a0"]
    ds = gl.generate_kskp(200, seed=6, ctx=ctx)
    s = _s(gl)
    poles = gl.vector([gl.parameter("m0", initial=0.95), fam.pole_masses[1]])
    m1 = gl.vector([m for m, _ in fam.channel_masses])
    m2 = gl.vector([m for _, m in fam.channel_masses])
    barriers = gl.blatt_weisskopf_barriers(s, channel_mass_1=m1, channel_mass_2=m2, pole_masses=poles, l=fam.l)
    g = gl.matrix([list(r) for r in fam.couplings])
    k = gl.k_matrix(s, pole_masses=poles, couplings=g, barriers=barriers)
    p = gl.p_vector(s, pole_masses=poles, production=gl.vector([1.0, gl.complex(gl.parameter("b re"), 0.3)]),
                    couplings=g, barriers=barriers)
    cm = gl.vector([gl.chew_mandelstam(s, mass1=a, mass2=b) for a, b in fam.channel_masses])
    f = gl.f_vector(s, pole_masses=poles, k=k, p=p, phase_space=cm)
    model = gl.Model(f[1].norm_sqr())
    assert set(model.parameters) == {"m0", "b re"}
    x0 = np.array([{"m0": 0.96, "b re": 0.4}[n] for n in model.parameters])
    ev = model.load(ds)
    oracle = model.load(gl.generate_kskp(200, seed=6, ctx=cpu_ctx))
    v = np.asarray(ctx.to_numpy(ev.evaluate(x0))).real
    assert np.max(np.abs(v - np.asarray(oracle.evaluate(x0)).real)) <= 1e-10 * np.max(v)
    grad = np.asarray(ctx.to_numpy(ev.evaluate_gradient(x0))).real
    for j in range(2):
        h = np.zeros(2)
        h[j] = 1e-6
        up, down = (np.asarray(ctx.to_numpy(ev.evaluate(x))).real for x in (x0 + h, x0 - h))
        fd = (up - down) / 2e-6
        assert np.max(np.abs(grad[:, j] - fd)) <= 1e-5 * np.max(np.abs(fd))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: gl.blatt_weisskopf_barriers(1.0, channel_mass_1=gl.vector([0.1]), channel_mass_2=gl.vector([0.1, 0.2]),
                                         pole_masses=gl.vector([1.0]), l=0), "lengths"),
    (lambda: gl.blatt_weisskopf_barriers(1.0, channel_mass_1=gl.vector([0.1]), channel_mass_2=gl.vector([0.1]),
                                         pole_masses=gl.vector([1.0]), l=1.5), "integer"),
    (lambda: gl.blatt_weisskopf_barriers(1.0, channel_mass_1=gl.vector([0.1]), channel_mass_2=gl.vector([0.1]),
                                         pole_masses=gl.vector([1.0]), l=0, q_r=-1.0), "q_r"),
    (lambda: gl.k_matrix(1.0, pole_masses=gl.vector([1.0, 2.0]), couplings=gl.matrix([[1.0]]),
                         barriers=gl.matrix([[1.0]])), "pole columns"),
    (lambda: gl.p_vector(1.0, pole_masses=gl.vector([1.0]), production=gl.vector([1.0, 2.0]),
                         couplings=gl.matrix([[1.0]]), barriers=gl.matrix([[1.0]])), "2 entries for 1 poles"),
    (lambda: gl.f_vector(1.0, pole_masses=gl.vector([1.0]), k=gl.matrix([[1.0, 0.0]]), p=gl.vector([1.0]),
                         phase_space=gl.vector([1.0])), "square"),
    (lambda: gl.chew_mandelstam(gl.parameter("s"), mass1=0.1, mass2=0.2), "free parameter"),
    (lambda: gl.chew_mandelstam(1.0, mass1=gl.parameter("m"), mass2=0.2), "fixed real mass"),
])
def test_kmatrix_bad_input(call, match):  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match=match):
        call()
