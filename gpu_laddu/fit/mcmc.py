"""Markov-chain Monte Carlo over a likelihood: emcee's affine-invariant ensemble sampler (AIES)
or zeus's ensemble slice sampler (ESS).  Install both with ``pip install gpu_laddu[mcmc]``.

The log-probability is ``−F/2`` for ``F = 2·NLL`` (flat priors), ``−inf`` outside the bounds
and where the likelihood cannot be evaluated.  Draws are reproducible from ``seed``: walkers
start in a Gaussian ball drawn from ``numpy.random.default_rng(seed)``; emcee's own
generator is seeded from it, and zeus, which draws from global generators, runs with
NumPy's and Python's global generators seeded from it and restored afterwards (zeus's changes
to the root logger are undone too).

Examples
--------
>>> import numpy as np
>>> class Gauss:  # F = x² + (y/2)²: a standard normal in x, sigma 2 in y
...     parameters = ("x", "y")
...     def value(self, p): return float(p[0] ** 2 + (p[1] / 2) ** 2)
...     def value_and_gradient(self, p): return self.value(p), np.array([2 * p[0], p[1] / 2])
...     def parameter_specs(self): return {}
>>> r = mcmc(Gauss(), n_walkers=8, n_steps=300, seed=3, initial=[0.0, 0.0], spread=1.0, progress=False)
>>> r.chain.shape, r.flat(discard=100).shape
((300, 8, 2), (1600, 2))
>>> bool(abs(r.flat(100)[:, 0].mean()) < 0.5 and 1.0 < r.flat(100)[:, 1].std() < 3.5)
True
"""

from __future__ import annotations

import importlib
import logging
import math
import random
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from gpu_laddu.errors import FitError, LikelihoodError
from gpu_laddu.fit.problem import (
    BoundsInput,
    LikelihoodLike,
    ParamInput,
    Problem,
    rank_of,
    resolve_problem,
    shared_seed,
    start_error,
)
from gpu_laddu.progress import progress_bar

MCMC_METHODS = {"aies": "emcee", "ess": "zeus"}
_RELIABLE_CHAIN = 50  # emcee's rule: trust τ when the chain is longer than 50·τ


@dataclass(frozen=True, eq=False)
class MCMCResult:
    """The chain of :func:`mcmc`.

    Attributes
    ----------
    parameters : tuple of str
    method : str
        ``"aies"`` (emcee) or ``"ess"`` (zeus).
    chain : numpy.ndarray
        ``(n_steps, n_walkers, n_parameters)`` positions.
    log_prob : numpy.ndarray
        ``(n_steps, n_walkers)`` log-probabilities, ``−F/2``.
    acceptance_fraction : numpy.ndarray or None
        ``(n_walkers,)`` for AIES; None for ESS (a slice sampler always moves).
    autocorr_time : numpy.ndarray
        ``(n_parameters,)`` integrated autocorrelation times in steps, estimated over the
        whole chain (emcee's or zeus's estimator); see :attr:`autocorr_reliable`.
    n_calls : int
        Likelihood evaluations.

    Examples
    --------
    >>> import numpy as np
    >>> r = MCMCResult(("a",), "aies", np.arange(6.0).reshape(3, 2, 1), np.zeros((3, 2)), None, np.array([1.0]), 6)
    >>> r.flat(discard=1).ravel().tolist(), r.autocorr_reliable
    ([2.0, 3.0, 4.0, 5.0], False)
    """

    parameters: tuple[str, ...]
    method: str
    chain: np.ndarray
    log_prob: np.ndarray
    acceptance_fraction: np.ndarray | None
    autocorr_time: np.ndarray
    n_calls: int

    def flat(self, discard: int = 0, thin: int = 1) -> np.ndarray:
        """``(n_samples, n_parameters)``: steps ``discard::thin`` of every walker, walkers merged."""
        if discard < 0 or thin < 1:
            raise FitError(f"need discard >= 0 and thin >= 1, got discard={discard}, thin={thin}")
        return self.chain[discard::thin].reshape(-1, self.chain.shape[-1])

    @property
    def autocorr_reliable(self) -> bool:
        """Whether the chain is longer than 50 autocorrelation times (emcee's criterion; τ taken >= 1)."""
        tau = self.autocorr_time
        return bool(np.all(np.isfinite(tau)) and np.all(tau > 0)
                    and self.chain.shape[0] > _RELIABLE_CHAIN * max(float(np.max(tau)), 1.0))


class _LogProbability:
    """``−F/2`` inside the bounds, ``−inf`` outside and where the likelihood fails; counts calls."""

    def __init__(self, likelihood: LikelihoodLike, problem: Problem) -> None:
        self.likelihood, self.lower, self.upper, self.calls = likelihood, problem.lower, problem.upper, 0

    def __call__(self, x: np.ndarray) -> float:
        x = np.asarray(x, dtype=np.float64)
        if not (np.all(np.isfinite(x)) and np.all(x >= self.lower) and np.all(x <= self.upper)):
            return -math.inf
        self.calls += 1
        try:
            return -0.5 * float(self.likelihood.value(x))
        except LikelihoodError:
            return -math.inf


def _import(module: str, method: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise FitError(
            f"mcmc(method={method!r}) needs {module}, which is not installed: pip install 'gpu_laddu[mcmc]'"
        ) from exc


def _ball(rng: np.random.Generator, problem: Problem, n_walkers: int, spread: float) -> np.ndarray:
    """Walkers ``x0 + spread·max(|x0|, 1)·N(0, 1)``, reflected (then clipped) into the bounds."""
    lo, hi, x0 = problem.lower, problem.upper, problem.x0
    walkers = x0 + spread * np.maximum(np.abs(x0), 1.0) * rng.standard_normal((n_walkers, len(x0)))
    walkers = np.where(walkers < lo, 2 * lo - walkers, walkers)
    walkers = np.where(walkers > hi, 2 * hi - walkers, walkers)
    return np.clip(walkers, lo, hi)


def _run_emcee(emcee: Any, log_prob: _LogProbability, walkers: np.ndarray, lp0: np.ndarray, n_steps: int,
               rng: np.random.Generator, bar: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    n_walkers, ndim = walkers.shape
    sampler = emcee.EnsembleSampler(n_walkers, ndim, log_prob)
    sampler.random_state = np.random.RandomState(int(rng.integers(2**32))).get_state()
    for _ in sampler.sample(emcee.State(walkers, log_prob=lp0), iterations=n_steps, progress=False):
        bar.update(1)
    chain = np.asarray(sampler.get_chain(), dtype=np.float64)
    tau = np.asarray(emcee.autocorr.integrated_time(chain, tol=0), dtype=np.float64)  # tol=0: never raises
    return chain, np.asarray(sampler.get_log_prob()), np.asarray(sampler.acceptance_fraction), tau


def _run_zeus(zeus: Any, log_prob: _LogProbability, walkers: np.ndarray, lp0: np.ndarray, n_steps: int,
              rng: np.random.Generator, bar: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    n_walkers, ndim = walkers.shape
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:  # zeus replaces the root logger's handlers and level: put them back
        sampler = zeus.EnsembleSampler(n_walkers, ndim, log_prob, verbose=False)
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(int(rng.integers(2**32)))  # zeus draws from NumPy's and Python's global generators
    random.seed(int(rng.integers(2**63)))
    try:
        for _ in sampler.sample(walkers, log_prob0=lp0, iterations=n_steps, progress=False):
            bar.update(1)
    except RuntimeError as exc:  # too many slice expansions or contractions
        raise FitError(f"zeus (ESS) failed: {exc}") from exc
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    chain = np.asarray(sampler.get_chain(), dtype=np.float64)
    tau = np.asarray(zeus.AutoCorrTime(chain), dtype=np.float64)
    return chain, np.asarray(sampler.get_log_prob()), None, tau


def mcmc(
    likelihood: LikelihoodLike,
    n_walkers: int,
    n_steps: int,
    method: str = "aies",
    *,
    seed: int | None = None,
    initial: ParamInput | None = None,
    spread: float = 1e-3,
    bounds: BoundsInput | None = None,
    progress: bool = True,
) -> MCMCResult:
    """Sample the posterior ``exp(−F/2)`` (flat priors within the bounds) with an ensemble sampler.

    Parameters
    ----------
    likelihood : LikelihoodLike
        ``NLL``, ``ExtendedNLL`` or anything with the same methods (``F = 2·NLL``).
    n_walkers : int
        At least twice the number of parameters (and even for ESS).
    n_steps : int
        Steps per walker.
    method : {"aies", "ess"}
        emcee's affine-invariant stretch move, or zeus's ensemble slice sampler.
    seed : int, optional
        Makes the run reproducible (fresh entropy, shared by all ranks, when None).
    initial : sequence or mapping, optional
        Centre of the starting ball, e.g. a fit's ``values``; defaults as for
        :func:`~gpu_laddu.fit.fit`.
    spread : float
        Walkers start at ``initial + spread·max(|initial|, 1)·N(0, 1)``, reflected into the bounds.
    bounds : sequence of (low, high) pairs, or mapping, optional
        Replace the parameter definitions' bounds (the prior's support).
    progress : bool
        Show a progress bar over steps (only on a terminal, and only on rank 0).

    Returns
    -------
    MCMCResult

    Raises
    ------
    FitError
        Unknown method, too few walkers, emcee/zeus missing (``pip install 'gpu_laddu[mcmc]'``),
        or walkers starting where the likelihood cannot be evaluated.

    Examples
    --------
    See the module example.
    """
    if method not in MCMC_METHODS:
        raise FitError(f"unknown MCMC method {method!r}; choose one of {', '.join(map(repr, MCMC_METHODS))}")
    for what, value in (("n_walkers", n_walkers), ("n_steps", n_steps)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise FitError(f"{what} must be a positive integer, not {value!r}")
    if not (isinstance(spread, (int, float)) and math.isfinite(spread) and spread > 0):
        raise FitError(f"spread must be a positive finite number, not {spread!r}")
    module = _import(MCMC_METHODS[method], method)
    problem = resolve_problem(likelihood, initial, bounds)
    n_params = len(problem.names)
    if n_walkers < 2 * n_params:
        raise FitError(f"mcmc needs at least 2 × {n_params} = {2 * n_params} walkers for {n_params} parameters, "
                       f"got n_walkers={n_walkers}")
    if method == "ess" and n_walkers % 2:
        raise FitError(f"the ESS sampler (zeus) needs an even number of walkers, got {n_walkers}")
    log_prob = _LogProbability(likelihood, problem)
    try:
        likelihood.value(problem.x0)
    except LikelihoodError as exc:
        raise start_error(exc, problem.names, problem.x0) from exc
    rng = np.random.default_rng(shared_seed(likelihood, seed))
    walkers = _ball(rng, problem, int(n_walkers), float(spread))
    lp0 = np.array([log_prob(w) for w in walkers])
    if not np.all(np.isfinite(lp0)):
        raise FitError(f"{int(np.sum(~np.isfinite(lp0)))} of {n_walkers} walkers start where the likelihood cannot "
                       "be evaluated (intensity <= 0); choose another initial point or a smaller spread")
    run = _run_emcee if method == "aies" else _run_zeus
    with progress_bar(progress, rank_of(likelihood), total=int(n_steps), desc=f"mcmc ({method})",
                      unit=" steps") as bar:
        chain, lp, acceptance, tau = run(module, log_prob, walkers, lp0, int(n_steps), rng, bar)
    n_calls = log_prob.calls + 1  # + the check of the start
    return MCMCResult(problem.names, method, chain, lp, acceptance, np.atleast_1d(tau), n_calls)
