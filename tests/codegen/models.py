"""The catalogue of small models every backend and code generator is checked on.

Each entry builds a fresh ``(Model, parameter values)``; :func:`datasets` makes data and
accepted-MC samples with the scalar columns ``x`` (in [0.2, 2]) and ``y`` (in [-1, 1]) the
models read, with non-uniform (and, for data, partly negative) weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import gpu_laddu as gl
from gpu_laddu.ir import expr as E
from tests.helpers import col


def basis(k: int) -> E.Expression:
    """A parameter-free complex per-event basis function (distinct for each k)."""
    x, y = col("x"), col("y")
    return (x + 0.3 * k) * E.cis(y * (1.0 + 0.7 * k)) + 0.2j * k


def coherent() -> tuple[gl.Model, list[float]]:
    """|S·x + D·(y + 0.5i)|² + 0.1: one coherent sum plus a constant."""
    a, b, c = gl.parameter("a"), gl.parameter("b"), gl.parameter("c")
    s = gl.Scalar("S", a) * col("x")
    d = gl.ComplexScalar("D", b, c) * (col("y") + 0.5j)
    return gl.Model((s + d).norm_sqr() + 0.1), [0.8, -0.4, 1.3]


def kmatrix_like() -> tuple[gl.Model, list[float]]:
    """Two coherent sums over shared couplings (3 and 2 bases), polar and Cartesian coefficients."""
    r0, t0, r1, t1 = (gl.parameter(n) for n in ("r0", "t0", "r1", "t1"))
    re2, im2 = gl.parameter("re2"), gl.parameter("im2")
    c0 = gl.PolarComplexScalar("f0", r0, t0)
    c1 = gl.PolarComplexScalar("f1", r1, t1)
    c2 = gl.ComplexScalar("a0", re2, im2)
    pos = c0 * basis(0) + c1 * basis(1) + c2 * basis(2)
    neg = c0 * basis(3) + c2 * basis(4)
    return gl.Model(pos.norm_sqr() + neg.norm_sqr()), [1.1, 0.3, 0.7, -0.8, 0.4, 0.25]


def breit_wigner() -> tuple[gl.Model, list[float]]:
    """A lineshape with free mass and width (mixes parameters and events: no integrals)."""
    m, g, a = gl.parameter("m"), gl.parameter("g"), gl.parameter("a")
    s = col("x") * col("x")
    bw = E.amplitude("BW", (m * g) / E.complex_(m * m - s, -(m * g)))
    return gl.Model((bw * gl.Scalar("N", a)).norm_sqr() + 0.05), [1.2, 0.3, 1.5]


def all_ops() -> tuple[gl.Model, list[float]]:
    """Every IR op on the per-call path (exp, log, sqrt, sin, cos, acos, atan2, cis, abs, conj, real, imag, ...)."""
    a, b, c = gl.parameter("a"), gl.parameter("b"), gl.parameter("c")
    x, y = col("x"), col("y")
    z = E.complex_(a, b) * E.cis(c * y) + E.to_complex(x)
    terms = [
        z.norm_sqr(),
        E.exp(a * x) * 0.1,
        E.sqrt(1.0 + (b * x) * (b * x)),
        E.cos(c * y) * E.cos(c * y) + E.sin(a * x) * E.sin(a * x),
        E.log(2.0 + (z * z.conj()).real()),
        (E.exp(z * 0.1) / (z - 5.0)).imag() * 0.01,
        E.sqrt(z + 3.0).real() * 0.05,
        E.log(z + 4.0).imag() * 0.02,
        -(x / (1.0 + c * c)),
        (b * y).apply("abs"),
        E.acos(0.5 * E.cos(c * y)) * 0.1,
        E.atan2(a * x, 1.0 + y * y) * 0.1,
    ]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return gl.Model(total + 3.0), [0.4, -0.3, 0.9]


def scaled() -> tuple[gl.Model, list[float]]:
    """A parameter scale times a per-event real weight times a coherent sum, plus a real linear term."""
    s, b, c, d = (gl.parameter(n) for n in ("s", "b", "c", "d"))
    amp = gl.ComplexScalar("D", b, c) * basis(0) + gl.Scalar("E", d) * basis(1)
    linear = (gl.ComplexScalar("L", b, d) * basis(2)).real() + 4.0
    return gl.Model((s * s) * col("x") * amp.norm_sqr() + linear), [1.3, 0.6, -0.2, 0.9]


def piecewise() -> tuple[gl.Model, list[float]]:
    """A binned complex wave (4 bins of x) interfering with a fixed-shape one."""
    from tests.helpers import ScalarVar

    values = [(gl.parameter(f"re{b}"), gl.parameter(f"im{b}")) for b in range(4)]
    wave = gl.PiecewiseComplexScalar("binned", ScalarVar("x"), 4, (0.2, 1.8), values)
    other = gl.Scalar("S", 1.0) * basis(1)
    return gl.Model((wave + other).norm_sqr() + 0.05), [0.5, 0.1, -0.3, 0.8, 1.1, -0.6, 0.2, 0.4]


MODELS: dict[str, Callable[[], tuple[gl.Model, list[float]]]] = {
    "coherent": coherent,
    "kmatrix_like": kmatrix_like,
    "breit_wigner": breit_wigner,
    "all_ops": all_ops,
    "scaled": scaled,
    "piecewise": piecewise,
}

#: models whose intensity the normalisation-integral pass must recognise
DECOMPOSABLE = ("coherent", "kmatrix_like", "scaled", "piecewise")


def datasets(ctx: gl.ExecutionContext, n_data: int = 3000, n_mc: int = 5000, seed: int = 1
             ) -> tuple[gl.Dataset, gl.Dataset]:
    """Data (weights around 1, some negative) and accepted MC (weights in [0.5, 1.5])."""
    rng = np.random.default_rng(seed)
    data = gl.from_numpy(scalars={"x": rng.uniform(0.2, 2.0, n_data), "y": rng.uniform(-1, 1, n_data)},
                         weights=rng.normal(1.0, 0.4, n_data), ctx=ctx)
    mc = gl.from_numpy(scalars={"x": rng.uniform(0.2, 2.0, n_mc), "y": rng.uniform(-1, 1, n_mc)},
                       weights=rng.uniform(0.5, 1.5, n_mc), ctx=ctx)
    return data, mc
