"""Per-event precompute of the Kopf K-matrix amplitudes (laddu 0.28.1 generic K-matrix pieces).

With s the squared mass, Π_α = ∏_{β≠α}(m_β² − s), Π = ∏_α(m_α² − s), barrier ratios
B_iα = F_l(q_i(s))/F_l(q_i(m_α²)) (complex, signed-q² Blatt–Weisskopf factors) and the
Chew–Mandelstam matrix C = diag(C_i(s)):

* K̂_ij = A(s)·[Σ_α B_iα B_jα g_iα g_jα Π_α + Σ_α B_iα c_ij B_jα · Π], A(s) = (s − s0)/s_norm
  for f0 and 1 otherwise;
* P̂_j = Σ_α β_α B_jα g_jα Π_α;
* F = (Π·I + K̂·C)⁻¹ P̂, amplitude = F[channel].

The amplitude is linear in the production couplings β_α, so per event we keep the complex basis
b_α = Σ_j [(Π·I + K̂·C)⁻¹]_{channel, j} B_jα g_jα Π_α and evaluate Σ_α β_α b_α per call.
K̂ factorises into event-independent tables (:class:`KMatrixTables`) and per-event channel
functions (:func:`channel_functions`); the rest is batched small-matrix algebra over events
(``xp.linalg.solve`` on (N, n, n) arrays), or one per-event Numba kernel on the numba backend.

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.amplitudes.kmatrix_data import A0
>>> from gpu_laddu.amplitudes.kmatrix_precompute import kmatrix_basis
>>> kmatrix_basis(A0, "kkbar", np.array([1.0, 1.5, 2.0])).shape
(3, 2)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from gpu_laddu.amplitudes.functions import (
    array_namespace,
    blatt_weisskopf,
    breakup_momentum_squared,
    chew_mandelstam,
)
from gpu_laddu.amplitudes.kmatrix_data import KMatrixFamily
from gpu_laddu.errors import ModelError

__all__ = ["kmatrix_amplitude", "kmatrix_basis"]

Array = Any
Solver = Callable[["KMatrixTables", int, Array, Sequence[Array] | None, Sequence[Array], ModuleType], Array]


def _system(family: KMatrixFamily, s: Array, xp: ModuleType) -> tuple[Array, Array]:
    """M = Π·I + K̂·C, shape (..., n_ch, n_ch), and G_jα = B_jα g_jα Π_α, shape (..., n_ch, n_poles).

    The direct construction, term by term (the reference for :func:`kmatrix_basis`).
    """
    pole_sq = np.asarray(family.pole_masses) ** 2
    # Barrier denominators at the poles are event-independent: evaluate them once on the host.
    q2_poles = np.stack([breakup_momentum_squared(pole_sq, m1, m2, xp=np) for m1, m2 in family.channel_masses])
    f_poles = xp.asarray(blatt_weisskopf(q2_poles, family.l, xp=np))
    q2 = xp.stack([breakup_momentum_squared(s, m1, m2, xp=xp) for m1, m2 in family.channel_masses], axis=-1)
    barriers = blatt_weisskopf(q2, family.l, xp=xp)[..., :, None] / f_poles

    pi_all, pi_each = _pole_products(s, pole_sq, xp)

    bg = barriers * xp.asarray(family.couplings)
    g_matrix = bg * pi_each[..., None, :]
    k_hat = xp.einsum("...ia,...ja->...ij", g_matrix, bg)
    barrier_products = xp.einsum("...ia,...ja->...ij", barriers, barriers)
    k_hat = k_hat + xp.asarray(family.background) * barrier_products * pi_all[..., None, None]
    if family.adler_zero is not None:
        s0, s_norm = family.adler_zero
        k_hat = k_hat * ((s - s0) / s_norm)[..., None, None]
    cm = xp.stack([chew_mandelstam(s, m1, m2, xp=xp) for m1, m2 in family.channel_masses], axis=-1)
    system = k_hat * cm[..., None, :] + pi_all[..., None, None] * xp.eye(family.n_channels)
    return system, g_matrix


def _pole_products(s: Array, pole_sq: np.ndarray, xp: ModuleType) -> tuple[Array, Array]:
    """Π = ∏_α(m_α² − s) and Π_α = ∏_{β≠α}(m_β² − s), shapes (...,) and (..., n_poles)."""
    d = xp.asarray(pole_sq) - s[..., None]
    n_poles = len(pole_sq)
    pi_all = xp.prod(d, axis=-1)
    pi_each = xp.stack([xp.prod(d[..., [b for b in range(n_poles) if b != a]], axis=-1) for a in range(n_poles)], -1)
    return pi_all, pi_each


@dataclass(frozen=True)
class KMatrixTables:
    """Event-independent factors of one family (host arrays, computed once per process).

    With f_iα = F_l(q_i(m_α²)) the barrier factors at the poles, w_jα = g_jα/f_jα,
    t_α,ij = w_iα·w_jα and v_ij = c_ij·Σ_α 1/(f_iα f_jα), the K-matrix of an event factorises as

        K̂_ij = A(s)·F_i(s)·F_j(s)·[Σ_α t_α,ij·Π_α + v_ij·Π],   G_jα = F_j(s)·w_jα·Π_α,

    one real (n_events, n_poles) × (n_poles, n_ch²) product instead of batched outer products.
    The tables are real when every barrier factor at the poles is (always for even l).
    """

    pole_sq: np.ndarray  # (n_poles,)
    t: np.ndarray  # (n_poles, n_ch * n_ch)
    v: np.ndarray  # (n_ch, n_ch)
    w: np.ndarray  # (n_ch, n_poles)
    adler: np.ndarray  # (flag, s0, s_norm)


@functools.cache
def kmatrix_tables(family: KMatrixFamily) -> KMatrixTables:
    """The :class:`KMatrixTables` of ``family``.

    >>> from gpu_laddu.amplitudes.kmatrix_data import F2
    >>> kmatrix_tables(F2).t.shape, kmatrix_tables(F2).t.dtype
    ((4, 16), dtype('float64'))
    """
    pole_sq = np.asarray(family.pole_masses, dtype=np.float64) ** 2
    q2_poles = np.stack([breakup_momentum_squared(pole_sq, m1, m2, xp=np) for m1, m2 in family.channel_masses])
    f_poles = _real_if_possible(np.asarray(blatt_weisskopf(q2_poles, family.l, xp=np)), np)
    w = np.asarray(family.couplings, dtype=np.float64) / f_poles
    n_ch, n_poles = w.shape
    t = np.einsum("ia,ja->aij", w, w).reshape(n_poles, n_ch * n_ch)
    v = np.asarray(family.background, dtype=np.float64) * np.einsum("ia,ja->ij", 1.0 / f_poles, 1.0 / f_poles)
    s0, s_norm = family.adler_zero if family.adler_zero is not None else (0.0, 1.0)
    adler = np.array([float(family.adler_zero is not None), s0, s_norm])
    return KMatrixTables(pole_sq, t, v, w, adler)


def _real_if_possible(a: Array, xp: ModuleType) -> Array:
    return a.real.copy() if a.dtype.kind == "c" and not bool(xp.any(a.imag != 0)) else a


def channel_functions(family: KMatrixFamily, s: Array, xp: ModuleType,
                      shared: dict[Any, Any] | None = None) -> tuple[list[Array] | None, list[Array]]:
    """Per-event barrier factors F_i(s) (None for l = 0) and Chew–Mandelstam C_i(s): one (N,) array per channel.

    ``shared`` caches the per-channel columns of one ``s`` across families (f0 and f2 share
    four channels, a0 and a2 two).
    """
    shared = {} if shared is None else shared
    cm, barrier = [], []
    for m1, m2 in family.channel_masses:
        cm_key = ("chew_mandelstam", m1, m2)
        if cm_key not in shared:
            shared[cm_key] = chew_mandelstam(s, m1, m2, xp=xp)
        cm.append(shared[cm_key])
        if family.l:
            f_key = ("barrier", family.l, m1, m2)
            if f_key not in shared:
                f = blatt_weisskopf(breakup_momentum_squared(s, m1, m2, xp=xp), family.l, xp=xp)
                shared[f_key] = _real_if_possible(f, xp)
            barrier.append(shared[f_key])
    return barrier or None, cm


def basis_from_channels(tables: KMatrixTables, index: int, s: Array, f_rows: Sequence[Array] | None,
                        cm_rows: Sequence[Array], xp: ModuleType) -> Array:
    """b_α for events ``s`` (1-D) from their channel functions (one (N,) array per channel, see
    :func:`channel_functions`): whole-array algebra (numpy or cupy)."""
    n_ch, n_poles = tables.w.shape
    pi_all, pi_each = _pole_products(s, tables.pole_sq, xp)
    k_hat = (pi_each @ xp.asarray(tables.t)).reshape(-1, n_ch, n_ch) + pi_all[:, None, None] * xp.asarray(tables.v)
    f = None if f_rows is None else xp.stack(f_rows, axis=-1)
    cm = xp.stack(cm_rows)
    if f is not None:
        k_hat = k_hat * (f[:, :, None] * f[:, None, :])
    if tables.adler[0]:
        k_hat = k_hat * ((s - tables.adler[1]) / tables.adler[2])[:, None, None]
    system_t = xp.swapaxes(k_hat * cm.T[:, None, :], -1, -2)  # Mᵀ without the Π·I diagonal
    diagonal = xp.arange(n_ch)
    system_t[:, diagonal, diagonal] += pi_all[:, None]
    # Row `index` of M⁻¹: solve Mᵀ x = e_index.
    unit = xp.zeros((s.shape[0], n_ch, 1), dtype=xp.complex128)
    unit[:, index, 0] = 1.0
    near = near_pole(tables, s, xp)
    if near is not None:  # exactly at a pole M is singular: those events get the limit below
        system_t[near[0]] = xp.eye(n_ch)
    row = xp.linalg.solve(system_t, unit)[..., 0]
    if f is not None:
        row = row * f
    out = pi_each * (row @ xp.asarray(tables.w))
    if near is not None:
        events, alpha = near
        for a in range(n_poles):
            pick = events[alpha == a]
            if pick.shape[0]:
                out[pick] = pole_basis(tables, index, a, s[pick], None if f is None else f[pick], cm.T[pick], xp)
    return out


POLE_WINDOW = 1e-6
"""Events with |m_α² − s| <= POLE_WINDOW·m_α² for a pole α take :func:`pole_basis` (the same function
in a form that stays regular at the pole) instead of the general solve."""


def near_pole(tables: KMatrixTables, s: Array, xp: ModuleType) -> tuple[Array, Array] | None:
    """(event indices, pole index) of the events within :data:`POLE_WINDOW` of a pole, or None."""
    pole_sq = xp.asarray(tables.pole_sq)
    close = xp.abs(pole_sq[None, :] - s[:, None]) <= POLE_WINDOW * pole_sq[None, :]
    hit = xp.any(close, axis=1)
    if not bool(xp.any(hit)):
        return None
    events = xp.nonzero(hit)[0]
    return events, xp.argmax(close[events], axis=1)


def pole_basis(tables: KMatrixTables, index: int, alpha: int, s: Array, f: Array | None, cm: Array,
               xp: ModuleType) -> Array:
    """b_γ(s) for events near pole ``alpha``, regular at s = m_α² (the removable singularity).

    With δ = m_α² − s, u = F∘w_α and D = I + R·C, R = A·FFᵀ∘(Σ_{β≠α} t_β/δ_β + v) (regular at the
    pole), M/Π_α = A·u·uᵀC + δ·D and G/Π_α = [u, δ·z_γ/δ_γ]; Sherman–Morrison gives, with
    y = D⁻ᵀe_channel, p = D⁻ᵀCu, den = δ + A·pᵀu:

        b_α = yᵀu / den,   b_γ = (yᵀz_γ − A·yᵀu·pᵀz_γ/den) / δ_γ   (γ ≠ α, z_γ = F∘w_γ),

    which equals the general solve wherever that is regular, and its limit at the pole.
    ``f`` (k, n_ch) or None, ``cm`` (k, n_ch).
    """
    n_ch, n_poles = tables.w.shape
    k = s.shape[0]
    d = xp.asarray(tables.pole_sq)[None, :] - s[:, None]
    others = xp.asarray([b != alpha for b in range(n_poles)])
    inv = xp.where(others[None, :], 1.0 / xp.where(others[None, :], d, 1.0), 0.0)
    r = (inv @ xp.asarray(tables.t)).reshape(k, n_ch, n_ch) + xp.asarray(tables.v)[None]
    big_f = xp.ones((k, n_ch)) if f is None else f
    r = r * (big_f[:, :, None] * big_f[:, None, :])
    scale = (s - tables.adler[1]) / tables.adler[2] if tables.adler[0] else xp.ones(k)
    r = r * scale[:, None, None]
    d_t = xp.swapaxes(r * cm[:, None, :], -1, -2) + xp.eye(n_ch)[None]
    w = xp.asarray(tables.w)
    u = big_f * w[None, :, alpha]
    rhs = xp.zeros((k, n_ch, 2), dtype=xp.complex128)
    rhs[:, index, 0] = 1.0
    rhs[:, :, 1] = cm * u
    sol = xp.linalg.solve(d_t.astype(xp.complex128), rhs)
    y, p = sol[..., 0], sol[..., 1]
    yu = xp.sum(y * u, axis=1)
    den = d[:, alpha] + scale * xp.sum(p * u, axis=1)
    z = big_f[:, :, None] * w[None]
    yz = xp.einsum("kj,kjg->kg", y, z)
    pz = xp.einsum("kj,kjg->kg", p, z)
    out = (yz - (scale * yu / den)[:, None] * pz) * inv
    out[:, alpha] = yu / den
    return out


def kmatrix_basis(family: KMatrixFamily, channel: int | str, s: Array, *, xp: ModuleType | None = None,
                  shared: dict[Any, Any] | None = None, solver: Solver | None = None) -> Array:
    """Per-event basis b_α with amplitude = Σ_α β_α b_α for one K-matrix family and channel.

    Parameters
    ----------
    family : KMatrixFamily
        One of :data:`gpu_laddu.amplitudes.kmatrix_data.FAMILIES`.
    channel : int or str
        Final-state channel (index or name, e.g. ``2`` or ``"kkbar"`` for f0).
    s : array
        Squared invariant masses, any shape.
    xp : module, optional
        Array namespace (numpy or cupy); taken from ``s`` when omitted.
    shared : dict, optional
        Per-channel columns of this ``s`` shared across families (see :func:`channel_functions`).
    solver : callable, optional
        Replaces :func:`basis_from_channels` (same signature), e.g. the per-event Numba kernel
        :func:`cpu_fallback.kmatrix_kernel.basis_from_channels`.

    Returns
    -------
    array of complex, shape ``s.shape + (family.n_poles,)``

    Raises
    ------
    ModelError
        If the channel is out of range or unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_laddu.amplitudes.kmatrix_data import PI1
    >>> b = kmatrix_basis(PI1, 0, np.array([1.8889166211166355]))
    >>> a = complex(b[0, 0] * (1 + 0.5j))
    >>> round(a.real, 7), round(a.imag, 7)
    (-0.257775, 0.5568691)
    """
    index = family.channel_index(channel)
    xp = array_namespace(s) if xp is None else xp
    s = xp.asarray(s, dtype=xp.float64)
    flat = s.reshape(-1)
    f, cm = channel_functions(family, flat, xp, shared)
    solve = basis_from_channels if solver is None else solver
    return solve(kmatrix_tables(family), index, flat, f, cm, xp).reshape(*s.shape, family.n_poles)


def kmatrix_amplitude(
    family: KMatrixFamily,
    channel: int | str,
    s: Array,
    betas: Sequence[complex] | Array,
    *,
    xp: ModuleType | None = None,
) -> Array:
    """Direct evaluation F[channel] = [(Π·I + K̂·C)⁻¹ P̂]_channel for given couplings β_α.

    A reference path (builds P̂ and solves the full system) for checking :func:`kmatrix_basis`.

    Raises
    ------
    ModelError
        If the channel is out of range or ``betas`` does not have one entry per pole.

    Examples
    --------
    >>> from gpu_laddu.amplitudes.kmatrix_data import A0
    >>> a = complex(kmatrix_amplitude(A0, 1, 1.8889166211166355, [1 + 0.5j, 1.1 + 0.3j]))
    >>> round(a.real, 7), round(a.imag, 7)
    (-1.4458958, 0.9031436)
    """
    index = family.channel_index(channel)
    xp = array_namespace(s) if xp is None else xp
    beta = xp.asarray(betas, dtype=xp.complex128)
    if beta.shape != (family.n_poles,):
        raise ModelError(f"K-matrix {family.name!r} needs {family.n_poles} couplings, got shape {beta.shape}")
    s = xp.asarray(s, dtype=xp.float64)
    system, g_matrix = _system(family, s, xp)
    production = xp.einsum("...ja,a->...j", g_matrix, beta)
    return xp.linalg.solve(system, production[..., None])[..., index, 0]
