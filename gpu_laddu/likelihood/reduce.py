"""Accurate reductions over events: blocked pairwise sums finished by an exact ``math.fsum``.

On the host every row is cut into blocks of 4096 events, each block is summed pairwise by
numpy (error ~ log2(4096)·ε relative to the block), and the block sums are added exactly.
On a GPU the device's tree reduction is used.

>>> import numpy as np
>>> x = np.full(10**6, 0.1)
>>> bool(abs(weighted_sums(np, x[None, :], np.ones_like(x))[0] - 1e5) < 1e-8)
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

BLOCK = 4096


def weighted_sums(xp: Any, rows: Any, weights: Any) -> np.ndarray:
    """Σ_j weights_j · rows[k, j] for every row k, as a float64 host vector."""
    n = int(weights.shape[0])
    k = int(rows.shape[0])
    if n == 0:
        return np.zeros(k)
    if xp is not np:
        return np.asarray(xp.asnumpy((rows * weights[None, :]).sum(axis=1, dtype=xp.float64)), dtype=np.float64)
    out = np.empty(k)
    n_full = (n // BLOCK) * BLOCK
    for i in range(k):
        prod = np.multiply(rows[i], weights, dtype=np.float64)
        parts = prod[:n_full].reshape(-1, BLOCK).sum(axis=1).tolist() if n_full else []
        parts.append(float(prod[n_full:].sum()))
        out[i] = math.fsum(parts)
    return out
