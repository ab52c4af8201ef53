"""Maximum-likelihood fits: iminuit's Migrad, scipy's L-BFGS-B, Nelder–Mead, Powell and
trust-constr, and CMA-ES (the ``cma`` package); restarts from random points.

Covariance
----------
The likelihoods return ``F = 2·NLL``, so the covariance is ``2·H⁻¹`` (``H`` the Hessian of
``F``) and Migrad runs with ``errordef = 1`` (``Minuit.LEAST_SQUARES``), followed by
``Minuit.hesse()``; the ``Minuit`` object is kept on the result (``result.minos()``).  For
the other methods ``H`` is computed after the fit by central differences of the analytic
gradient (:mod:`gpu_laddu.fit.hessian`); when it is not positive definite the covariance is
NaN and the result is not ``accurate``.

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.ir.expr import ParameterSpec
>>> class Chi2:  # F = ((x - 1)/0.5)² + ((y + 2)/2)²: minimum (1, -2), errors 0.5 and 2
...     parameters = ("x", "y")
...     def value(self, p): return self.value_and_gradient(p)[0]
...     def value_and_gradient(self, p):
...         r = (np.asarray(p, dtype=float) - [1.0, -2.0]) / [0.5, 2.0]
...         return float(r @ r), 2 * r / [0.5, 2.0]
...     def parameter_specs(self): return {"x": ParameterSpec("x", 0.0), "y": ParameterSpec("y", 0.0)}
>>> result = fit(Chi2(), progress=False)
>>> np.round(result.x, 4).tolist(), np.round(result.std, 4).tolist()
([1.0, -2.0], [0.5, 2.0])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gpu_laddu.errors import FitError, LikelihoodError
from gpu_laddu.fit.hessian import Outcome, numerical_hessian
from gpu_laddu.fit.optimizers import MINIMISERS, finite_result, rejected_note
from gpu_laddu.fit.problem import (
    BoundsInput,
    LikelihoodLike,
    Objective,
    ParamInput,
    Problem,
    rank_of,
    resolve_problem,
    shared_seed,
    start_error,
)
from gpu_laddu.fit.result import FitResult
from gpu_laddu.progress import progress_bar

METHODS = ("migrad", "lbfgsb", "nelder-mead", "powell", "trust-constr", "cmaes")
__all__ = ["METHODS", "check_method", "fit", "numerical_hessian"]


def check_method(method: str) -> str:
    """Return ``method`` if it is a known minimiser, else raise :class:`FitError` listing them."""
    if method not in METHODS:
        raise FitError(f"unknown fit method {method!r}; choose one of {', '.join(map(repr, METHODS))}")
    return method


def _check_count(value: int | None, what: str, minimum: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum):
        raise FitError(f"{what} must be an integer >= {minimum}, not {value!r}")


MIGRAD_RETRIES = 3
"""Extra Migrad runs from the last point while the minimum is invalid (and calls remain)."""


def _migrad(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None, seed: int) -> Outcome:
    from iminuit import Minuit

    def fcn(x: np.ndarray) -> float:
        try:
            return obj.value(x)
        except LikelihoodError:
            return math.inf  # Migrad backs off from such points

    def grad(x: np.ndarray) -> np.ndarray:
        try:
            return obj.gradient(x)
        except LikelihoodError:
            return np.full(len(problem.names), math.nan)

    m = Minuit(fcn, problem.x0, grad=grad, name=problem.names)
    m.errordef = Minuit.LEAST_SQUARES  # F = 2·NLL: one sigma is ΔF = 1
    m.print_level = 0
    m.limits = list(problem.bounds)
    if tol is not None:
        m.tol = tol
    m.migrad(ncall=max_calls)
    for _ in range(MIGRAD_RETRIES):  # iminuit's advice: an invalid minimum often becomes valid on a rerun
        if m.fmin is None or m.fmin.is_valid or m.fmin.has_reached_call_limit:
            break
        m.migrad(ncall=max_calls)
    call_limit = m.fmin is not None and m.fmin.has_reached_call_limit  # Hesse resets this flag
    m.hesse()
    fmin = m.fmin
    assert fmin is not None
    problems = [text for flag, text in (
        (call_limit, "call limit reached"),
        (fmin.is_above_max_edm, f"EDM {fmin.edm:.3g} above its goal {fmin.edm_goal:.3g}"),
        (fmin.hesse_failed, "Hesse failed"),
        (fmin.has_made_posdef_covar, "covariance forced positive definite"),
        (not fmin.has_accurate_covar and not fmin.hesse_failed, "covariance not accurate"),
        (fmin.has_parameters_at_limit, "parameter(s) at a limit"),
    ) if flag]
    verdict = "valid minimum" if fmin.is_valid and not call_limit else "INVALID minimum"
    message = f"Migrad: {verdict}, EDM = {fmin.edm:.3g} (goal {fmin.edm_goal:.3g})"
    if problems:
        message += "; " + "; ".join(problems)
    message += rejected_note(obj)
    x = finite_result(obj, np.array(m.values, dtype=np.float64), "Migrad")
    n = len(problem.names)
    covariance = np.array(m.covariance, dtype=np.float64) if m.covariance is not None else np.full((n, n), math.nan)
    valid = bool(fmin.is_valid) and not call_limit
    accurate = bool(fmin.has_accurate_covar) and not fmin.has_made_posdef_covar and not fmin.hesse_failed
    return Outcome(x, float(fmin.fval), covariance, valid, message, valid, accurate, m)


_MINIMISERS = {"migrad": _migrad, **MINIMISERS}


def _random_start(rng: np.random.Generator, problem: Problem) -> np.ndarray:
    """Uniform within finite bounds, else uniform in ``x0 ± max(|x0|, 1)`` (cut at a bound)."""
    lo, hi, x0 = problem.lower, problem.upper, problem.x0
    scale = np.maximum(np.abs(x0), 1.0)
    finite = np.isfinite(lo) & np.isfinite(hi)
    low = np.where(finite, lo, np.maximum(lo, x0 - scale))
    high = np.where(finite, hi, np.minimum(hi, x0 + scale))
    return rng.uniform(low, high)


class _Run:
    """Minimisations of one likelihood, with their calls added up."""

    def __init__(self, likelihood: LikelihoodLike, method: str, max_calls: int | None, tol: float | None,
                 progress: bool, seed: int) -> None:
        self.likelihood, self.method, self.max_calls, self.tol = likelihood, method, max_calls, tol
        self.progress, self.rank, self.calls, self.seed = progress, rank_of(likelihood), 0, seed

    def __call__(self, problem: Problem, desc: str, leave: bool, start: int = 0) -> Outcome:
        """Minimise from ``problem.x0``; FitError if the start cannot be evaluated."""
        with progress_bar(self.progress, self.rank, desc=desc, unit=" calls", leave=leave) as bar:

            def on_call(value: float) -> None:
                bar.set_postfix(fval=f"{value:.10g}", refresh=False)
                bar.update(1)

            obj = Objective(self.likelihood, None if bar.disable else on_call)
            try:
                try:
                    obj.value_and_gradient(problem.x0)
                except LikelihoodError as exc:
                    raise start_error(exc, problem.names, problem.x0) from exc
                return _MINIMISERS[self.method](obj, problem, self.max_calls, self.tol, self.seed + start)
            finally:
                self.calls += obj.calls
                obj.detach()  # later calls (MINOS, profiles) must not touch the closed bar


def fit(
    likelihood: LikelihoodLike,
    initial: ParamInput | None = None,
    method: str = "migrad",
    *,
    bounds: BoundsInput | None = None,
    max_calls: int | None = None,
    tol: float | None = None,
    n_restarts: int = 0,
    seed: int | None = None,
    progress: bool = True,
) -> FitResult:
    """Minimise ``likelihood`` (a ``2·NLL``) with analytic gradients.

    Parameters
    ----------
    likelihood : LikelihoodLike
        ``NLL``, ``ExtendedNLL``, a sum of them, or anything with the same methods.
    initial : sequence or mapping, optional
        Start values (a mapping may name only some parameters).  Missing values come from
        the parameter definitions, else the midpoint of finite bounds; otherwise a
        :class:`~gpu_laddu.errors.FitError` names the parameters without one.
    method : {"migrad", "lbfgsb", "nelder-mead", "powell", "trust-constr", "cmaes"}
        iminuit's Migrad (then Hesse; the ``Minuit`` object is kept for ``result.minos()``),
        scipy's L-BFGS-B, Nelder–Mead, Powell or trust-constr, or CMA-ES (``cma`` package);
        all but Migrad get their covariance from a numerical Hessian of the analytic gradient
        (see :mod:`gpu_laddu.fit.optimizers`).
    bounds : sequence of (low, high) pairs, or mapping, optional
        Replace the parameter definitions' bounds (``None`` for an open end).
    max_calls : int, optional
        Call limit per start (Migrad's ``ncall``, L-BFGS-B's ``maxfun``, ...; see
        :mod:`gpu_laddu.fit.optimizers`).
    tol : float, optional
        Migrad's ``tol`` (EDM goal ``0.002·tol``; default 0.1), scipy's ``tol``, CMA-ES's ``tolfun``.
    n_restarts : int
        Extra starts drawn uniformly within finite bounds, else in ``initial ± max(|initial|, 1)``;
        the lowest ``fval`` is kept.  Extra starts where the likelihood fails are skipped.
    seed : int, optional
        Seed of the restart draws and of CMA-ES (fresh entropy, shared by all ranks, when None).
    progress : bool
        Show progress bars (only on a terminal, and only on rank 0).

    Returns
    -------
    FitResult
        ``covariance = 2·H⁻¹`` (see the module notes); ``n_calls`` counts every likelihood
        evaluation of every start; with restarts, ``starts`` summarises each of them.

    Raises
    ------
    FitError
        Unknown method, no initial value, or a start where the likelihood cannot be
        evaluated (intensity <= 0; the :class:`~gpu_laddu.errors.LikelihoodError` is chained).
    ParameterError
        Non-finite initial values, values outside their bounds, bad bounds.

    Examples
    --------
    >>> import numpy as np
    >>> class Parabola:
    ...     parameters = ("x",)
    ...     def value(self, p): return float((p[0] - 3.0) ** 2)
    ...     def value_and_gradient(self, p): return self.value(p), np.array([2.0 * (p[0] - 3.0)])
    ...     def parameter_specs(self): return {}
    >>> r = fit(Parabola(), initial=[0.0], method="lbfgsb", progress=False)
    >>> round(r.values["x"], 6), round(r.errors["x"], 6)
    (3.0, 1.0)
    """
    check_method(method)
    _check_count(max_calls, "max_calls", 1)
    _check_count(n_restarts, "n_restarts", 0)
    if tol is not None and not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol > 0):
        raise FitError(f"tol must be a positive finite number, not {tol!r}")
    problem = resolve_problem(likelihood, initial, bounds)
    needs_seed = n_restarts > 0 or method == "cmaes"
    base_seed = shared_seed(likelihood, seed) if needs_seed else 0
    run = _Run(likelihood, method, max_calls, tol, progress, base_seed)
    if n_restarts == 0:
        only = run(problem, method, True)
        return _result(problem, only, run.calls, method, only.message, ())

    rng = np.random.default_rng(base_seed)
    starts = [problem.x0, *(_random_start(rng, problem) for _ in range(n_restarts))]
    summary: list[dict[str, Any]] = []
    best: Outcome | None = None
    best_index = 0
    with progress_bar(progress, run.rank, total=n_restarts + 1, desc=f"{method} starts", unit=" fits") as bar:
        for k, x0 in enumerate(starts):
            entry: dict[str, Any] = {"start": k, "x0": dict(zip(problem.names, np.asarray(x0).tolist()))}
            try:
                outcome = run(problem.with_start(x0), method if k == 0 else f"{method} start {k}", False, k)
            except FitError as exc:
                if k == 0:
                    raise
                entry.update(fval=math.nan, valid=False, accurate=False, converged=False, message=str(exc))
                summary.append(entry)
                bar.update(1)
                continue
            entry.update(fval=outcome.fval, valid=outcome.valid, accurate=outcome.accurate,
                         converged=outcome.converged, message=outcome.message,
                         x=dict(zip(problem.names, outcome.x.tolist())))
            summary.append(entry)
            if best is None or outcome.fval < best.fval:
                best, best_index = outcome, k
            bar.set_postfix(best=f"{best.fval:.10g}", refresh=False)
            bar.update(1)
    assert best is not None
    failures = sum(1 for e in summary if not math.isfinite(e["fval"]))
    text = f"best of {n_restarts + 1} starts (start {best_index}; {failures} could not be evaluated)"
    return _result(problem, best, run.calls, method, f"{best.message}; {text}", tuple(summary))


def _result(problem: Problem, outcome: Outcome, calls: int, method: str, message: str,
            starts: tuple[dict[str, Any], ...]) -> FitResult:
    with np.errstate(invalid="ignore"):
        std = np.sqrt(np.diag(outcome.covariance))
    return FitResult(
        parameters=problem.names,
        x=outcome.x,
        std=std,
        covariance=outcome.covariance,
        fval=outcome.fval,
        converged=outcome.converged,
        n_calls=calls,
        message=message,
        method=method,
        valid=outcome.valid,
        accurate=outcome.accurate,
        starts=starts,
        minuit=outcome.minuit,
    )
