"""Maximum-likelihood fits with iminuit's Migrad or scipy's L-BFGS-B, both with analytic gradients.

Covariance
----------
The likelihoods return ``F = 2·NLL``, so the covariance is ``2·H⁻¹`` (``H`` the Hessian of
``F``) and Migrad runs with ``errordef = 1`` (``Minuit.LEAST_SQUARES``), followed by
``Minuit.hesse()``.  For L-BFGS-B (whose own inverse-Hessian estimate is too rough to
report) ``H`` is computed after the fit by central differences of the analytic gradient,
step ``h_i = ε^(1/3)·max(|x_i|, 1)`` (one-sided at a bound), and symmetrised,
``(H + Hᵀ)/2``; when it is not positive definite the covariance is NaN and the fit is
reported as not converged.

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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpu_laddu.errors import FitError, LikelihoodError
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

METHODS = ("migrad", "lbfgsb")
_HESSIAN_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)


@dataclass(frozen=True)
class _Outcome:
    """One minimisation from one start."""

    x: np.ndarray
    fval: float
    covariance: np.ndarray
    converged: bool
    message: str


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


def _migrad(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None) -> _Outcome:
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
    message += _rejected_note(obj)
    x = _finite_result(obj, np.array(m.values, dtype=np.float64), "Migrad")
    n = len(problem.names)
    covariance = np.array(m.covariance, dtype=np.float64) if m.covariance is not None else np.full((n, n), math.nan)
    converged = bool(fmin.is_valid) and not call_limit
    return _Outcome(x, float(fmin.fval), covariance, converged, message)


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


def _lbfgsb(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None) -> _Outcome:
    from scipy.optimize import minimize

    bounds = [(lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None) for lo, hi in problem.bounds]
    options = {"maxfun": int(max_calls)} if max_calls is not None else {}
    res = minimize(lambda x: _step_back(obj, x), problem.x0, jac=True, method="L-BFGS-B", bounds=bounds, tol=tol,
                   options=options)
    x = _finite_result(obj, np.asarray(res.x, dtype=np.float64), "L-BFGS-B")
    n = len(x)
    message = f"L-BFGS-B: {res.message}" + _rejected_note(obj)
    try:
        hessian = numerical_hessian(obj.gradient, x, problem.lower, problem.upper)
        np.linalg.cholesky(hessian)
        covariance, posdef = 2.0 * np.linalg.inv(hessian), True
    except LikelihoodError as exc:
        covariance, posdef = np.full((n, n), math.nan), False
        message += f"; Hessian not computed ({exc})"
    except np.linalg.LinAlgError:
        covariance, posdef = np.full((n, n), math.nan), False
        message += "; Hessian not positive definite, no covariance"
    return _Outcome(x, float(res.fun), covariance, bool(res.success) and posdef, message)


STEP_BACK_SCALE = 1e3
"""Curvature of the wall L-BFGS-B sees where the likelihood is undefined (per unit of squared distance)."""


def _step_back(obj: Objective, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Value and gradient for L-BFGS-B; where the likelihood is undefined, a wall around the last good point.

    L-BFGS-B has no way to reject a point, and an infinite value ends its line search; the wall
    ``f_good + s·(1 + K·|x − x_good|²)`` (``s = max(|f_good|, 1)``) is higher than any value seen
    near the good point and slopes back towards it, so the line search retreats.
    """
    try:
        return obj.value_and_gradient(x)
    except LikelihoodError:
        if obj.last_good is None:
            raise
        x_good, f_good = obj.last_good
        d = np.where(np.isfinite(x), x - x_good, 0.0)
        scale = max(abs(f_good), 1.0)
        return f_good + scale * (1.0 + STEP_BACK_SCALE * float(d @ d)), 2.0 * STEP_BACK_SCALE * scale * d


def _finite_result(obj: Objective, x: np.ndarray, method: str) -> np.ndarray:
    """``x``, or a :class:`FitError` when the minimiser ended on non-finite parameters."""
    if np.all(np.isfinite(x)):
        return x
    where = "" if obj.last_good is None else f"; the last point evaluated was {obj.last_good[0].tolist()}"
    raise FitError(
        f"{method} ended on non-finite parameters {x.tolist()}: its steps overflowed (very large event weights or "
        f"likelihood values make the curvature overflow; rescale the weights){where}"
    )


def _rejected_note(obj: Objective) -> str:
    if not obj.rejected:
        return ""
    return f"; stepped back from {obj.rejected} point(s) where the likelihood is undefined"


_MINIMISERS = {"migrad": _migrad, "lbfgsb": _lbfgsb}


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
                 progress: bool) -> None:
        self.likelihood, self.method, self.max_calls, self.tol = likelihood, method, max_calls, tol
        self.progress, self.rank, self.calls = progress, rank_of(likelihood), 0

    def __call__(self, problem: Problem, desc: str, leave: bool) -> _Outcome:
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
                return _MINIMISERS[self.method](obj, problem, self.max_calls, self.tol)
            finally:
                self.calls += obj.calls


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
    method : {"migrad", "lbfgsb"}
        iminuit's Migrad (then Hesse) or scipy's L-BFGS-B (then a numerical Hessian of the
        analytic gradient).
    bounds : sequence of (low, high) pairs, or mapping, optional
        Replace the parameter definitions' bounds (``None`` for an open end).
    max_calls : int, optional
        Call limit per start (Migrad's ``ncall``, L-BFGS-B's ``maxfun``).
    tol : float, optional
        Migrad's ``tol`` (EDM goal ``0.002·tol``; default 0.1) or L-BFGS-B's ``tol``.
    n_restarts : int
        Extra starts drawn uniformly within finite bounds, else in ``initial ± max(|initial|, 1)``;
        the lowest ``fval`` is kept.  Extra starts where the likelihood fails are skipped.
    seed : int, optional
        Seed of the restart draws (fresh entropy, shared by all ranks, when None).
    progress : bool
        Show progress bars (only on a terminal, and only on rank 0).

    Returns
    -------
    FitResult
        ``covariance = 2·H⁻¹`` (see the module notes); ``n_calls`` counts every likelihood
        evaluation of every start.

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
    run = _Run(likelihood, method, max_calls, tol, progress)
    if n_restarts == 0:
        best = run(problem, method, True)
        return _result(problem, best, run.calls, method, best.message)

    rng = np.random.default_rng(shared_seed(likelihood, seed))
    starts = [_random_start(rng, problem) for _ in range(n_restarts)]
    failures, best_index = 0, 0
    with progress_bar(progress, run.rank, total=n_restarts + 1, desc=f"{method} starts", unit=" fits") as bar:
        best = run(problem, method, False)
        bar.set_postfix(best=f"{best.fval:.10g}", refresh=False)
        bar.update(1)
        for k, x0 in enumerate(starts, start=1):
            try:
                outcome = run(problem.with_start(x0), f"{method} start {k}", False)
            except FitError:
                failures += 1
                continue
            finally:
                bar.update(1)
            if outcome.fval < best.fval:
                best, best_index = outcome, k
            bar.set_postfix(best=f"{best.fval:.10g}", failed=failures, refresh=False)
    summary = f"best of {n_restarts + 1} starts (start {best_index}; {failures} could not be evaluated)"
    return _result(problem, best, run.calls, method, f"{best.message}; {summary}")


def _result(problem: Problem, outcome: _Outcome, calls: int, method: str, message: str) -> FitResult:
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
    )
