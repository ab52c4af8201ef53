"""What one minimisation returns, and the covariance of minimisers that do not estimate one.

Minimisers other than Migrad (scipy's L-BFGS-B, Nelder–Mead, Powell, trust-constr, and
CMA-ES) report no usable covariance.  After such a fit, ``H`` is computed by central
differences of the analytic gradient, step ``h_i = ε^(1/3)·max(|x_i|, 1)`` (one-sided at a
bound), and symmetrised, ``(H + Hᵀ)/2``; the covariance is ``2·H⁻¹`` (the likelihoods return
``2·NLL``).  When ``H`` is not positive definite the covariance is NaN and the result is
flagged not ``accurate``.

Examples
--------
>>> H = numerical_hessian(lambda v: np.array([2 * v[0], 8 * v[1]]), np.zeros(2),
...                       np.full(2, -np.inf), np.full(2, np.inf))
>>> np.round(2 * np.linalg.inv(H), 6).tolist()    # F = x² + 4y²: errors 1 and 0.5
[[1.0, 0.0], [0.0, 0.25]]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu_laddu.errors import LikelihoodError

_HESSIAN_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)


@dataclass(frozen=True)
class Outcome:
    """One minimisation from one start.

    ``valid``: the minimiser's verdict on the minimum (Migrad's valid minimum and call limit
    not reached; scipy's / CMA-ES's success); ``accurate``: the covariance is trustworthy
    (Migrad: accurate, not forced positive definite; others: a positive-definite numerical
    Hessian); ``converged`` = ``valid`` for Migrad, ``valid and accurate`` otherwise (as
    before these flags existed).  ``minuit`` is the ``iminuit.Minuit`` object of a Migrad fit.
    """

    x: np.ndarray
    fval: float
    covariance: np.ndarray
    converged: bool
    message: str
    valid: bool
    accurate: bool
    minuit: Any = None


def numerical_hessian(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                      lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Symmetrised central-difference Hessian of an analytic ``gradient`` at ``x``.

    Steps are ``ε^(1/3)·max(|x_i|, 1)`` (at most a quarter of the bounded interval); a step
    that would cross a bound is replaced by a one-sided difference.

    >>> H = numerical_hessian(lambda v: np.array([2 * v[0] + v[1], v[0] + 6 * v[1]]), np.zeros(2),
    ...                       np.full(2, -np.inf), np.array([np.inf, 0.0]))
    >>> np.round(H, 6).tolist()
    [[2.0, 1.0], [1.0, 6.0]]
    """
    n = len(x)
    hessian = np.empty((n, n), dtype=np.float64)
    for i in range(n):
        h = min(_HESSIAN_STEP * max(abs(x[i]), 1.0), 0.25 * (upper[i] - lower[i]))
        up, down = x.copy(), x.copy()
        up[i] = x[i] + h if x[i] + h <= upper[i] else x[i]
        down[i] = x[i] - h if x[i] - h >= lower[i] else x[i]
        hessian[:, i] = (gradient(up) - gradient(down)) / (up[i] - down[i])
    return 0.5 * (hessian + hessian.T)


def hessian_outcome(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray, fval: float, lower: np.ndarray,
                    upper: np.ndarray, success: bool, message: str) -> Outcome:
    """An :class:`Outcome` with the covariance ``2·H⁻¹`` from :func:`numerical_hessian` at ``x``."""
    n = len(x)
    try:
        hessian = numerical_hessian(gradient, x, lower, upper)
        np.linalg.cholesky(hessian)
        covariance, posdef = 2.0 * np.linalg.inv(hessian), True
    except LikelihoodError as exc:
        covariance, posdef = np.full((n, n), math.nan), False
        message += f"; Hessian not computed ({exc})"
    except np.linalg.LinAlgError:
        covariance, posdef = np.full((n, n), math.nan), False
        message += "; Hessian not positive definite, no covariance"
    return Outcome(x, float(fval), covariance, bool(success) and posdef, message, bool(success), posdef)
