"""Per-event precompute of the Kopf K-matrix amplitudes (laddu 0.28.1 generic K-matrix pieces).

With s the squared mass, Π_α = ∏_{β≠α}(m_β² − s), Π = ∏_α(m_α² − s), barrier ratios
B_iα = F_l(q_i(s))/F_l(q_i(m_α²)) (complex, signed-q² Blatt–Weisskopf factors) and the
Chew–Mandelstam matrix C = diag(C_i(s)):

* K̂_ij = A(s)·[Σ_α B_iα B_jα g_iα g_jα Π_α + Σ_α B_iα c_ij B_jα · Π], A(s) = (s − s0)/s_norm
  for f0 and 1 otherwise;
* P̂_j = Σ_α β_α B_jα g_jα Π_α;
* F = (Π·I + K̂·C)⁻¹ P̂, amplitude = F[channel].

The amplitude is linear in the production couplings β_α, so per event we keep the complex basis
b_α = Σ_j [(Π·I + K̂·C)⁻¹]_{channel, j} B_jα g_jα Π_α and evaluate Σ_α β_α b_α per call.  All
work is batched small-matrix algebra over events (``xp.linalg.solve`` on (..., n, n) arrays).

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.amplitudes.kmatrix_data import A0
>>> from gpu_laddu.amplitudes.kmatrix_precompute import kmatrix_basis
>>> kmatrix_basis(A0, "kkbar", np.array([1.0, 1.5, 2.0])).shape
(3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
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


def _system(family: KMatrixFamily, s: Array, xp: ModuleType) -> tuple[Array, Array]:
    """M = Π·I + K̂·C, shape (..., n_ch, n_ch), and G_jα = B_jα g_jα Π_α, shape (..., n_ch, n_poles)."""
    pole_sq = np.asarray(family.pole_masses) ** 2
    if family.l == 0:
        return _system_s_wave(family, s, xp, pole_sq)
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


def _system_s_wave(family: KMatrixFamily, s: Array, xp: ModuleType, pole_sq: np.ndarray) -> tuple[Array, Array]:
    """:func:`_system` for l = 0, where every barrier factor is 1.

    K̂_ij = Σ_α g_iα g_jα Π_α + n_poles·c_ij·Π is then one real matrix product of the per-event Π_α
    with a constant (n_poles, n_ch²) table, instead of batched complex outer products.
    """
    n_ch, n_poles = family.n_channels, family.n_poles
    g = np.asarray(family.couplings, dtype=np.float64)
    table = xp.asarray(np.einsum("ia,ja->aij", g, g).reshape(n_poles, n_ch * n_ch))
    pi_all, pi_each = _pole_products(s, pole_sq, xp)
    k_hat = (pi_each.reshape(-1, n_poles) @ table).reshape(*s.shape, n_ch, n_ch)
    k_hat = k_hat + xp.asarray(n_poles * np.asarray(family.background)) * pi_all[..., None, None]
    if family.adler_zero is not None:
        s0, s_norm = family.adler_zero
        k_hat = k_hat * ((s - s0) / s_norm)[..., None, None]
    cm = xp.stack([chew_mandelstam(s, m1, m2, xp=xp) for m1, m2 in family.channel_masses], axis=-1)
    system = k_hat * cm[..., None, :] + pi_all[..., None, None] * xp.eye(n_ch)
    return system, xp.asarray(g) * pi_each[..., None, :]


def kmatrix_basis(family: KMatrixFamily, channel: int | str, s: Array, *, xp: ModuleType | None = None) -> Array:
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
    system, g_matrix = _system(family, s, xp)
    # Row `index` of the inverse: solve Mᵀ x = e_index.
    unit = xp.zeros(system.shape[:-1] + (1,), dtype=xp.complex128)
    unit[..., index, 0] = 1.0
    row = xp.linalg.solve(xp.swapaxes(system, -1, -2), unit)
    return xp.einsum("...j,...ja->...a", row[..., 0], g_matrix)


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
