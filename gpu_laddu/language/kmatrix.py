"""Coupled-channel K-matrix pieces of laddu 0.28.1: barriers, Chew–Mandelstam, K, P and F.

With Π = ∏_α (m_α² − s) and Π_α = ∏_{β≠α} (m_β² − s) (pole factors that keep every
entry finite at the poles):

* ``blatt_weisskopf_barriers`` — B_iα = F_l(q_i(s)) / F_l(q_i(m_α²)), channels × poles;
* ``k_matrix`` — K̂_ij = Σ_α B_iα B_jα g_iα g_jα Π_α + c_ij Π;
* ``p_vector`` — P̂_j = Σ_α β_α B_jα g_jα Π_α (+ b_j Π);
* ``f_vector`` — F = (Π·I + K̂·C)⁻¹ P̂ with C the phase space (e.g. Chew–Mandelstam).

When the poles and couplings are fixed, the matrix to invert depends on events only: it is
inverted once per dataset (:mod:`gpu_laddu.language.solve`) and the ``factor_linear`` pass
turns F into Σ_α β_α × (one cache column per pole), the layout of the built-in
``KopfKMatrix*`` amplitudes.  A free pole mass or coupling puts an unrolled complex solve
into the fused kernel instead, with analytic gradients.

Examples
--------
>>> import gpu_laddu as gl
>>> s = gl.Expr(1.2)
>>> poles = gl.vector([0.99])
>>> g = gl.matrix([[0.3], [0.2]])
>>> bw = gl.blatt_weisskopf_barriers(s, channel_mass_1=gl.vector([0.14, 0.49]),
...                                  channel_mass_2=gl.vector([0.14, 0.49]), pole_masses=poles, l=0)
>>> gl.k_matrix(s, pole_masses=poles, couplings=g, barriers=bw).shape
(2, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, ExprLike, as_expression, to_complex
from gpu_laddu.ir.nodes import EvalClass, Node, column, iter_ops
from gpu_laddu.language.arrays import ExprArray, as_array, matmul, matrix, solve, vector
from gpu_laddu.language.special import (
    BLATT_WEISSKOPF_MAX_L,
    QR_DEFAULT,
    blatt_weisskopf_ir,
    lambda_ir,
    validate_barrier_l,
)


def _scalar(x: Any, what: str) -> Expression:
    if isinstance(x, ExprArray):
        raise ModelError(f"{what} must be a scalar expression, got an array of shape {x.shape}")
    try:
        return as_expression(x)
    except (TypeError, ModelError) as exc:
        raise ModelError(f"{what} must be an expression or a number, got {x!r}") from exc


def _orbital(l: Any) -> int:
    value = getattr(l, "value", l)
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"l must be a non-negative integer, got {l!r}") from None
    if not f.is_integer():
        raise ModelError(f"l must be an integer in 0..{BLATT_WEISSKOPF_MAX_L}, got {l!r}")
    return validate_barrier_l(int(f))


def _barrier(s: Expression, m1: Expression, m2: Expression, l: int, q_r: Expression) -> Expression:
    """F_l of the signed q² = λ/4s (principal complex root), as a complex expression."""
    q2 = lambda_ir(s, m1, m2) / (4.0 * s)
    return to_complex(as_expression(blatt_weisskopf_ir(q2, l, q_r)))


def _vector(x: Any, what: str) -> ExprArray:
    arr = as_array(x, what)
    if len(arr.shape) != 1:
        raise ModelError(f"{what} must be a vector, got shape {arr.shape}")
    return arr


def _pole_factors(s: Expression, poles: ExprArray) -> tuple[Expression, list[Expression]]:
    """(Π, [Π_α]) for the pole masses."""
    d = [m * m - s for m in poles.elements]
    total: Expression = d[0]
    for x in d[1:]:
        total = total * x
    partial = []
    for a in range(len(d)):
        rest = [d[b] for b in range(len(d)) if b != a]
        prod: Expression = as_expression(1.0)
        for x in rest:
            prod = prod * x
        partial.append(prod)
    return total, partial


def blatt_weisskopf_barriers(s: ExprLike, *, channel_mass_1: Any, channel_mass_2: Any, pole_masses: Any,
                             l: Any, q_r: ExprLike | None = None) -> ExprArray:
    """Channels × poles matrix B_iα = F_l(q_i(s)) / F_l(q_i(m_α²)).

    >>> import gpu_laddu as gl
    >>> b = gl.blatt_weisskopf_barriers(1.5, channel_mass_1=gl.vector([0.14]), channel_mass_2=gl.vector([0.14]),
    ...                                 pole_masses=gl.vector([1.2, 1.6]), l=2)
    >>> b.shape
    (1, 2)
    """
    s_ = _scalar(s, "s")
    m1, m2 = _vector(channel_mass_1, "channel_mass_1"), _vector(channel_mass_2, "channel_mass_2")
    poles = _vector(pole_masses, "pole_masses")
    if m1.shape != m2.shape:
        raise ModelError(f"channel_mass_1 and channel_mass_2 have lengths {m1.shape[0]} and {m2.shape[0]}")
    order = _orbital(l)
    qr = _scalar(QR_DEFAULT if q_r is None else q_r, "q_r")
    if qr.node.op == "const" and not (isinstance(qr.node.value, float) and qr.node.value > 0
                                      and math.isfinite(qr.node.value)):
        raise ModelError(f"q_r must be real, positive and finite, got {qr.node.value!r}")
    rows = []
    for a, b in zip(m1.elements, m2.elements):
        f_s = _barrier(s_, a, b, order, qr)
        rows.append([f_s / _barrier(m * m, a, b, order, qr) for m in poles.elements])
    return matrix(rows)


def k_matrix(s: ExprLike, *, pole_masses: Any, couplings: Any, barriers: Any, background: Any = None) -> ExprArray:
    """The channels × channels K̂ = Σ_α B_iα B_jα g_iα g_jα Π_α + background·Π (see the module docstring)."""
    s_ = _scalar(s, "s")
    poles = _vector(pole_masses, "pole_masses")
    g, b = as_array(couplings, "couplings"), as_array(barriers, "barriers")
    n, n_poles = _check_channel_pole(g, "couplings", poles), _check_channel_pole(b, "barriers", poles)[1]
    n_ch = n[0]
    if b.shape[0] != n_ch:
        raise ModelError(f"barriers have {b.shape[0]} channels, couplings {n_ch}")
    total, partial = _pole_factors(s_, poles)
    bkg = None
    if background is not None:
        bkg = as_array(background, "background")
        if bkg.shape != (n_ch, n_ch):
            raise ModelError(f"background must be {n_ch}×{n_ch}, got shape {bkg.shape}")
    rows = []
    for i in range(n_ch):
        row = []
        for j in range(n_ch):
            terms = [b.at(i, a) * b.at(j, a) * (g.at(i, a) * g.at(j, a)) * partial[a] for a in range(n_poles)]
            entry = terms[0]
            for t in terms[1:]:
                entry = entry + t
            if bkg is not None:
                entry = entry + bkg.at(i, j) * total
            row.append(entry)
        rows.append(row)
    return matrix(rows)


def _check_channel_pole(m: ExprArray, what: str, poles: ExprArray) -> tuple[int, int]:
    if len(m.shape) != 2:
        raise ModelError(f"{what} must be a channels × poles matrix, got shape {m.shape}")
    if m.shape[1] != poles.shape[0]:
        raise ModelError(f"{what} has {m.shape[1]} pole columns but pole_masses has {poles.shape[0]} poles")
    return m.shape[0], m.shape[1]


def p_vector(s: ExprLike, *, pole_masses: Any, production: Any, couplings: Any, barriers: Any,
             background: Any = None) -> ExprArray:
    """The production vector P̂_j = Σ_α β_α B_jα g_jα Π_α (+ background_j·Π)."""
    s_ = _scalar(s, "s")
    poles = _vector(pole_masses, "pole_masses")
    beta = _vector(production, "production")
    g, b = as_array(couplings, "couplings"), as_array(barriers, "barriers")
    n_ch, n_poles = _check_channel_pole(g, "couplings", poles)
    _check_channel_pole(b, "barriers", poles)
    if beta.shape[0] != n_poles:
        raise ModelError(f"production has {beta.shape[0]} entries for {n_poles} poles")
    total, partial = _pole_factors(s_, poles)
    bkg = None if background is None else _vector(background, "background")
    if bkg is not None and bkg.shape[0] != n_ch:
        raise ModelError(f"background has {bkg.shape[0]} entries for {n_ch} channels")
    out = []
    for j in range(n_ch):
        entry = beta[0] * (b.at(j, 0) * g.at(j, 0) * partial[0])
        for a in range(1, n_poles):
            entry = entry + beta[a] * (b.at(j, a) * g.at(j, a) * partial[a])
        if bkg is not None:
            entry = entry + bkg[j] * total
        out.append(entry)
    return vector(out)


def f_vector(s: ExprLike, *, pole_masses: Any, k: Any, p: Any, phase_space: Any) -> ExprArray:
    """F = (Π·I + K̂·C)⁻¹ P̂, with C the phase-space vector or diagonal matrix."""
    s_ = _scalar(s, "s")
    poles = _vector(pole_masses, "pole_masses")
    kk, pp = as_array(k, "k"), _vector(p, "p")
    if len(kk.shape) != 2 or kk.shape[0] != kk.shape[1]:
        raise ModelError(f"k must be a square matrix, got shape {kk.shape}")
    n = kk.shape[0]
    if pp.shape[0] != n:
        raise ModelError(f"p has {pp.shape[0]} channels, k has {n}")
    c = as_array(phase_space, "phase_space")
    if len(c.shape) == 1:
        if c.shape[0] != n:
            raise ModelError(f"phase_space has {c.shape[0]} channels, k has {n}")
        c = matrix([[c[i] if i == j else 0.0 for j in range(n)] for i in range(n)])
    elif c.shape != (n, n):
        raise ModelError(f"phase_space must be a vector of {n} or a {n}×{n} matrix, got shape {c.shape}")
    total, _ = _pole_factors(s_, poles)
    kc = matmul(kk, c)
    a = matrix([[kc.at(i, j) + total if i == j else kc.at(i, j) for j in range(n)] for i in range(n)])
    return solve(a, pp)


@dataclass(frozen=True, eq=False)
class ChewMandelstamColumn:
    """Column source: the Chew–Mandelstam function of a per-event ``s`` (evaluated as array code)."""

    s: Node
    mass1: float
    mass2: float

    dtype = "complex"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("chew_mandelstam", self.s.fingerprint, self.mass1, self.mass2)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        import numpy as np

        from cpu_fallback.interpreter import Program
        from gpu_laddu.amplitudes.functions import chew_mandelstam as chew_mandelstam_array

        if self.key not in memo:
            leaves = {leaf.attrs[0].key: leaf.attrs[0].compute(dataset, memo) for leaf in iter_ops([self.s], "column")}
            (s,) = Program([self.s], dataset.ctx, dtypes=(np.float64, np.complex128)).run(leaves, {}, dataset.n_events)
            memo[self.key] = chew_mandelstam_array(s.real if s.dtype.kind == "c" else s, self.mass1, self.mass2,
                                                   xp=dataset.ctx.xp)
        return memo[self.key]

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4s: set[str] = set()
        scalars: set[str] = set()
        for leaf in iter_ops([self.s], "column"):
            a, b = leaf.attrs[0].required_columns()
            p4s |= a
            scalars |= b
        return frozenset(p4s), frozenset(scalars)


def _fixed_mass(x: ExprLike, what: str) -> float:
    e = _scalar(x, what)
    if e.node.op != "const" or not isinstance(e.node.value, float):
        raise ModelError(f"chew_mandelstam: {what} must be a fixed real mass (a number), got an expression")
    if not (e.node.value >= 0 and math.isfinite(e.node.value)):
        raise ModelError(f"chew_mandelstam: {what} must be finite and non-negative, got {e.node.value}")
    return e.node.value


def chew_mandelstam(s: ExprLike, *, mass1: ExprLike, mass2: ExprLike) -> Expression:
    """The Chew–Mandelstam function C(s) on the physical sheet (Im C = −ρ above threshold).

    ``s`` may depend on events (computed once per dataset) or be a number; the masses are numbers.

    >>> import gpu_laddu as gl
    >>> round(gl.Model(gl.chew_mandelstam(1.2, mass1=0.547862, mass2=0.95778)).evaluate().real, 7)
    0.4756165
    """
    s_ = _scalar(s, "s")
    m1, m2 = _fixed_mass(mass1, "mass1"), _fixed_mass(mass2, "mass2")
    if s_.node.eval_class == EvalClass.PER_EVALUATION:
        raise ModelError("chew_mandelstam: s must not depend on a free parameter (it is evaluated per dataset)")
    if s_.node.eval_class == EvalClass.PER_COMPILE:
        import numpy as np

        from gpu_laddu.amplitudes.functions import chew_mandelstam as chew_mandelstam_array

        value = complex(chew_mandelstam_array(np.array([complex(s_.node.value).real]), m1, m2)[0])
        return as_expression(value)
    return Expression(column(ChewMandelstamColumn(s_.node, m1, m2)))
