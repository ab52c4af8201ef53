"""Bootstrap uncertainties: refit Poisson-resampled replicas of the data.

Each replica is a likelihood built by the caller from a replica seed (typically on
``data.bootstrap(replica_seed)``, which multiplies every weight by a Poisson(1) draw) and is
refitted from the same start (usually the nominal fit's values).  The spread of the replica
estimates is the bootstrap uncertainty.

Examples
--------
>>> import numpy as np
>>> class Mean:  # F = Σ w (x - μ)²: a weighted mean of fixed points, errors ~ 1/sqrt(n)
...     parameters = ("mu",)
...     def __init__(self, w): self.x, self.w = np.linspace(-1.0, 1.0, 50), w
...     def value(self, p): return self.value_and_gradient(p)[0]
...     def value_and_gradient(self, p):
...         r = self.x - p[0]
...         return float(self.w @ r**2), np.array([-2.0 * float(self.w @ r)])
...     def parameter_specs(self): return {}
>>> make = lambda s: Mean(np.random.default_rng(s).poisson(1.0, 50).astype(float))
>>> boot = bootstrap(make, 20, seed=1, initial=[0.0], progress=False)
>>> boot.values.shape, boot.n_failures, bool(0.02 < boot.std[0] < 0.2)
((20, 1), 0, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpu_laddu.errors import FitError, LikelihoodError
from gpu_laddu.fit.minimize import check_method, fit
from gpu_laddu.fit.problem import BoundsInput, LikelihoodLike, ParamInput, rank_of
from gpu_laddu.progress import progress_bar


def replica_seeds(seed: int, n: int) -> tuple[int, ...]:
    """``n`` replica seeds (non-negative 63-bit integers) derived deterministically from ``seed``.

    >>> replica_seeds(5, 3) == replica_seeds(5, 3), len(set(replica_seeds(5, 100)))
    (True, 100)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise FitError(f"bootstrap seed must be a non-negative integer, not {seed!r}")
    words = np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint64) >> np.uint64(1)
    return tuple(int(w) for w in words)


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Replica fits of :func:`bootstrap`.

    Attributes
    ----------
    parameters : tuple of str
    seeds : tuple of int
        The seed each replica was built from (rebuild replica ``i`` with ``seeds[i]``).
    values : numpy.ndarray
        ``(n, n_parameters)`` best-fit values per replica (NaN rows where the fit failed).
    fvals : numpy.ndarray
        ``(n,)`` minimum per replica (NaN where the fit failed).
    ok : numpy.ndarray
        ``(n,)`` bool: the fit ran and converged.  Only these replicas enter the statistics.

    Examples
    --------
    >>> import numpy as np
    >>> r = BootstrapResult(("a",), (1, 2, 3), np.array([[1.0], [3.0], [np.nan]]),
    ...                     np.array([0.0, 0.0, np.nan]), np.array([True, True, False]))
    >>> r.mean.tolist(), r.std.tolist(), r.n_failures
    ([2.0], [1.4142135623730951], 1)
    """

    parameters: tuple[str, ...]
    seeds: tuple[int, ...]
    values: np.ndarray
    fvals: np.ndarray
    ok: np.ndarray

    @property
    def n_failures(self) -> int:
        """Replicas whose fit failed or did not converge."""
        return int(np.count_nonzero(~self.ok))

    @property
    def good_values(self) -> np.ndarray:
        """``(n_ok, n_parameters)`` values of the replicas that converged."""
        return self.values[self.ok]

    @property
    def mean(self) -> np.ndarray:
        """Mean over converged replicas (NaN if there are none)."""
        good = self.good_values
        return good.mean(axis=0) if len(good) else np.full(len(self.parameters), math.nan)

    @property
    def covariance(self) -> np.ndarray:
        """Sample covariance (``ddof=1``) over converged replicas (NaN if fewer than two)."""
        good = self.good_values
        if len(good) < 2:
            return np.full((len(self.parameters),) * 2, math.nan)
        return np.atleast_2d(np.cov(good, rowvar=False, ddof=1))

    @property
    def std(self) -> np.ndarray:
        """Bootstrap standard errors, ``sqrt(diag(covariance))``."""
        return np.sqrt(np.diag(self.covariance))

    def __str__(self) -> str:
        n = len(self.seeds)
        width = max([9, *(len(p) for p in self.parameters)])
        lines = [f"BootstrapResult: {n - self.n_failures} of {n} replicas converged",
                 f"  {'parameter':<{width}} {'mean':>11} {'std':>11}"]
        lines += [f"  {p:<{width}} {m:>11.6g} {s:>11.3g}" for p, m, s in zip(self.parameters, self.mean, self.std)]
        return "\n".join(lines)


def bootstrap(
    make_likelihood: Callable[[int], LikelihoodLike],
    n: int,
    seed: int,
    initial: ParamInput,
    *,
    method: str = "migrad",
    bounds: BoundsInput | None = None,
    max_calls: int | None = None,
    tol: float | None = None,
    progress: bool = True,
) -> BootstrapResult:
    """Refit ``n`` bootstrap replicas, each from ``initial``.

    Parameters
    ----------
    make_likelihood : callable
        ``make_likelihood(replica_seed)`` returns the likelihood of one replica, e.g.
        ``lambda s: gl.NLL(model, data.bootstrap(s), accmc)``.  Under MPI every rank calls it
        with the same seeds.
    n : int
        Number of replicas.
    seed : int
        Replica seeds are derived from it deterministically (:func:`replica_seeds`).
    initial : sequence or mapping
        Start of every replica fit, usually the nominal fit's ``values``.
    method, bounds, max_calls, tol
        As for :func:`~gpu_laddu.fit.fit`.
    progress : bool
        Show a progress bar over replicas (only on a terminal, and only on rank 0).

    Returns
    -------
    BootstrapResult
        Replicas whose fit raises :class:`~gpu_laddu.errors.FitError` or
        :class:`~gpu_laddu.errors.LikelihoodError`, or does not converge, are counted in
        ``n_failures`` and left out of ``mean``, ``std`` and ``covariance``.

    Examples
    --------
    See the module example.
    """
    check_method(method)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise FitError(f"the number of bootstrap replicas must be a positive integer, not {n!r}")
    seeds = replica_seeds(seed, int(n))
    parameters: tuple[str, ...] = ()
    rows: list[np.ndarray | None] = []
    fvals: list[float] = []
    ok: list[bool] = []
    bar = None
    try:
        for replica_seed in seeds:
            likelihood = make_likelihood(replica_seed)
            if bar is None:
                parameters = tuple(likelihood.parameters)
                bar = progress_bar(progress, rank_of(likelihood), total=len(seeds), desc="bootstrap", unit=" fits")
            try:
                result = fit(likelihood, initial, method, bounds=bounds, max_calls=max_calls, tol=tol, progress=False)
            except (FitError, LikelihoodError):
                rows.append(None)
                fvals.append(math.nan)
                ok.append(False)
            else:
                rows.append(result.x)
                fvals.append(result.fval)
                ok.append(result.converged)
            bar.set_postfix(failed=ok.count(False), refresh=False)
            bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    values = np.array([r if r is not None else np.full(len(parameters), math.nan) for r in rows], dtype=np.float64)
    return BootstrapResult(parameters, seeds, values.reshape(len(seeds), len(parameters)),
                           np.array(fvals, dtype=np.float64), np.array(ok, dtype=bool))
