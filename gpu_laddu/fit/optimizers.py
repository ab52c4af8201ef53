"""Minimisers from existing libraries: scipy.optimize (L-BFGS-B, Nelder–Mead, Powell, trust-constr)
and CMA-ES from the ``cma`` package.

Each takes the counting :class:`~gpu_laddu.fit.problem.Objective`, the resolved
:class:`~gpu_laddu.fit.problem.Problem`, a call limit, a tolerance and a seed, and returns an
:class:`~gpu_laddu.fit.hessian.Outcome` whose covariance comes from the numerical Hessian of the
analytic gradient (:func:`~gpu_laddu.fit.hessian.hessian_outcome`).

=================  ===========================  =========================  ===================
method             library call                 uses the gradient          ``max_calls`` is
=================  ===========================  =========================  ===================
``lbfgsb``         ``minimize(L-BFGS-B)``       yes                        ``maxfun``
``nelder-mead``    ``minimize(Nelder-Mead)``    no                         ``maxfev``
``powell``         ``minimize(Powell)``         no                         ``maxfev``
``trust-constr``   ``minimize(trust-constr)``   yes (BFGS Hessian update)  ``maxiter``
``cmaes``          ``cma.CMAEvolutionStrategy`` no                         ``maxfevals``
=================  ===========================  =========================  ===================

Without ``tol``, Nelder–Mead stops at ``fatol = 1e-5``, ``xatol = 1e-7`` and Powell at
``ftol = 1e-13`` (relative), ``xtol = 1e-7``: scipy's defaults stop a few tenths of a unit of
``F = 2·NLL`` above the minimum on large samples.  Derivative-free methods treat points where
the likelihood cannot be evaluated as +inf; L-BFGS-B steps back from them (it sees a wall around
the last good point); trust-constr stops with a :class:`~gpu_laddu.errors.FitError` there.

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.fit.problem import Objective, Problem
>>> class Bowl:
...     parameters = ("x", "y")
...     def value(self, p): return float((p[0] - 1) ** 2 + 4 * (p[1] + 2) ** 2)
...     def value_and_gradient(self, p): return self.value(p), np.array([2 * (p[0] - 1), 8 * (p[1] + 2)])
>>> problem = Problem(("x", "y"), np.zeros(2), ((-5.0, 5.0), (-5.0, 5.0)))
>>> out = MINIMISERS["powell"](Objective(Bowl()), problem, None, None, 0)
>>> np.round(out.x, 4).tolist(), np.round(np.sqrt(np.diag(out.covariance)), 4).tolist()
([1.0, -2.0], [1.0, 0.5])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from gpu_laddu.errors import BackendUnavailableError, FitError, LikelihoodError
from gpu_laddu.fit.hessian import Outcome, hessian_outcome
from gpu_laddu.fit.problem import Objective, Problem

Minimiser = Callable[[Objective, Problem, "int | None", "float | None", int], Outcome]


def _safe_value(obj: Objective) -> Callable[[np.ndarray], float]:
    def f(x: np.ndarray) -> float:
        try:
            return obj.value(np.asarray(x, dtype=np.float64))
        except LikelihoodError:
            return math.inf

    return f


def _scipy_bounds(problem: Problem) -> list[tuple[float | None, float | None]]:
    return [(lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None) for lo, hi in problem.bounds]


def _gradient_failure(method: str, exc: LikelihoodError) -> FitError:
    return FitError(
        f"{method} stepped to parameters where the likelihood cannot be evaluated ({exc}); use bounds that keep "
        "the intensity positive, or method='migrad' (or a derivative-free method), which back off from such points"
    )


def _step_scales(problem: Problem) -> np.ndarray:
    """A first step per parameter: ``0.3·max(|x0|, 0.1)``, at most a quarter of a bounded interval."""
    lo, hi, x0 = problem.lower, problem.upper, problem.x0
    scale = 0.3 * np.maximum(np.abs(x0), 0.1)
    return np.minimum(scale, np.where(np.isfinite(hi - lo), 0.25 * (hi - lo), np.inf))


def lbfgsb(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None, seed: int) -> Outcome:
    """scipy's L-BFGS-B with the analytic gradient."""
    from scipy.optimize import minimize

    options = {"maxfun": int(max_calls)} if max_calls is not None else {}
    res = minimize(lambda x: _step_back(obj, x), problem.x0, jac=True, method="L-BFGS-B",
                   bounds=_scipy_bounds(problem), tol=tol, options=options)
    x = finite_result(obj, np.asarray(res.x, dtype=np.float64), "L-BFGS-B")
    return hessian_outcome(obj.gradient, x, res.fun, problem.lower, problem.upper, bool(res.success),
                           f"L-BFGS-B: {res.message}" + rejected_note(obj))


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


def finite_result(obj: Objective, x: np.ndarray, method: str) -> np.ndarray:
    """``x``, or a :class:`FitError` when the minimiser ended on non-finite parameters."""
    if np.all(np.isfinite(x)):
        return x
    where = "" if obj.last_good is None else f"; the last point evaluated was {obj.last_good[0].tolist()}"
    raise FitError(
        f"{method} ended on non-finite parameters {x.tolist()}: its steps overflowed (very large event weights or "
        f"likelihood values make the curvature overflow; rescale the weights){where}"
    )


def rejected_note(obj: Objective) -> str:
    """The note a fit message gets when the minimiser stepped back from undefined points."""
    if not obj.rejected:
        return ""
    return f"; stepped back from {obj.rejected} point(s) where the likelihood is undefined"


def _derivative_free(name: str) -> Minimiser:
    label = {"Nelder-Mead": "Nelder-Mead", "Powell": "Powell"}[name]

    def run(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None, seed: int) -> Outcome:
        from scipy.optimize import minimize

        options: dict[str, Any] = {"maxfev": int(max_calls)} if max_calls is not None else {}
        if name == "Nelder-Mead":
            options["adaptive"] = len(problem.names) > 4  # Gao & Han's parameters for larger problems
        if tol is None:  # scipy's defaults stop ~0.1 above the minimum of a 2·NLL of 10⁴ events
            options.update({"fatol": 1e-5, "xatol": 1e-7} if name == "Nelder-Mead" else {"ftol": 1e-13, "xtol": 1e-7})
        if name == "Powell":  # first line searches along each axis, on the parameter's own scale
            options["direc"] = np.diag(_step_scales(problem))
        res = minimize(_safe_value(obj), problem.x0, method=name, bounds=_scipy_bounds(problem), tol=tol,
                       options=options)
        x = np.clip(np.asarray(res.x, dtype=np.float64), problem.lower, problem.upper)
        return hessian_outcome(obj.gradient, x, obj.value(x), problem.lower, problem.upper,
                               bool(res.success), f"{label}: {res.message}")

    run.__doc__ = f"scipy's {label} (derivative-free)."
    return run


def trust_constr(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None, seed: int) -> Outcome:
    """scipy's trust-constr with the analytic gradient and a BFGS Hessian update."""
    from scipy.optimize import BFGS, Bounds, minimize

    options: dict[str, Any] = {"maxiter": int(max_calls)} if max_calls is not None else {}
    try:
        with warnings.catch_warnings():  # BFGS's "delta_grad == 0" once converged: harmless
            warnings.filterwarnings("ignore", message="delta_grad == 0.0", category=UserWarning)
            res = minimize(obj.value_and_gradient, problem.x0, jac=True, hess=BFGS(), method="trust-constr",
                           bounds=Bounds(problem.lower, problem.upper), tol=tol, options=options)
    except LikelihoodError as exc:
        raise _gradient_failure("trust-constr", exc) from exc
    x = np.clip(np.asarray(res.x, dtype=np.float64), problem.lower, problem.upper)
    return hessian_outcome(obj.gradient, x, obj.value(x), problem.lower, problem.upper, bool(res.success),
                           f"trust-constr: {res.message}")


def cmaes(obj: Objective, problem: Problem, max_calls: int | None, tol: float | None, seed: int) -> Outcome:
    """CMA-ES (``cma`` package): a global, derivative-free evolution strategy.

    The initial step per parameter is ``0.3·max(|x0|, 0.1)``, at most a quarter of a bounded
    interval; ``tol`` is ``tolfun``; ``seed`` makes the run reproducible.
    """
    try:
        import cma
    except ImportError as exc:
        raise BackendUnavailableError(
            "method='cmaes' needs the cma package: pip install 'gpu_laddu[cma]' (or pip install cma)"
        ) from exc
    lo, hi, x0 = problem.lower, problem.upper, problem.x0
    stds = _step_scales(problem)
    options: dict[str, Any] = {
        "bounds": [lo.tolist(), hi.tolist()], "seed": int(seed) % (2**32 - 1) + 1, "verbose": -9,
        "CMA_stds": stds.tolist(),
    }
    if max_calls is not None:
        options["maxfevals"] = int(max_calls)
    if tol is not None:
        options["tolfun"] = float(tol)
    es = cma.CMAEvolutionStrategy(x0.tolist(), 1.0, options)
    es.optimize(_safe_value(obj))
    stop = dict(es.stop())
    x = np.clip(np.asarray(es.result.xbest, dtype=np.float64), lo, hi)
    success = bool(stop) and not ({"maxfevals", "maxiter"} & set(stop)) and math.isfinite(es.result.fbest)
    reasons = ", ".join(f"{k}={v}" for k, v in stop.items()) or "not stopped"
    return hessian_outcome(obj.gradient, x, obj.value(x), lo, hi, success,
                           f"CMA-ES: {reasons} after {es.result.evaluations} evaluations")


MINIMISERS: dict[str, Minimiser] = {
    "lbfgsb": lbfgsb,
    "nelder-mead": _derivative_free("Nelder-Mead"),
    "powell": _derivative_free("Powell"),
    "trust-constr": trust_constr,
    "cmaes": cmaes,
}
"""The minimisers of this module by method name (Migrad lives in :mod:`gpu_laddu.fit.minimize`)."""
