"""Profiles and contours of a likelihood, through iminuit's ``mnprofile`` and ``mncontour``.

Both start from a Migrad fit (``result=`` one already made, else a fit is run) and minimise
over every other free parameter at each point, in the likelihood's units (``F = 2·NLL``;
one standard deviation is ΔF = 1).  Invoked as ``nll.profile(name)`` and
``nll.contour(a, b)`` on every likelihood.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.ones(40)}, ctx=ctx)
>>> a, b = gl.parameter("a", initial=1.5), gl.parameter("b", initial=0.3)
>>> nll = gl.ExtendedNLL(gl.Model((a * 1.0).norm_sqr() + (b * 1.0).norm_sqr() + 1.0), ds, ds)
>>> prof = nll.profile("b", size=5)
>>> prof.values.shape, bool(np.argmin(prof.fval) == 2)
((5,), True)
>>> nll.contour("a", "b", size=12).shape     # closed: the last point repeats the first
(13, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu_laddu.errors import FitError, ParameterError
from gpu_laddu.fit.result import FitResult


@dataclass(frozen=True)
class Profile:
    """A profile likelihood scan of one parameter.

    Attributes
    ----------
    parameter : str
    values : numpy.ndarray
        The scanned values of ``parameter``.
    fval : numpy.ndarray
        The likelihood minimised over the other parameters at each value (``F = 2·NLL``).
    valid : numpy.ndarray
        Whether each minimisation ended at a valid minimum.
    """

    parameter: str
    values: np.ndarray
    fval: np.ndarray
    valid: np.ndarray


def fixed_names(likelihood: Any) -> set[str]:
    """Names of parameters fixed in the models of ``likelihood`` (its terms, for sums)."""
    terms = getattr(likelihood, "terms", (likelihood,))
    return {n for t in terms for n in getattr(getattr(t, "model", None), "fixed", {})}


def _check(likelihood: Any, names: Sequence[str], what: str) -> None:
    fixed = fixed_names(likelihood)
    for n in names:
        if n in likelihood.parameters:
            continue
        if n in fixed:
            raise ParameterError(f"{what}: parameter {n!r} is fixed; free it (model.free) to scan it")
        raise ParameterError(f"{what}: unknown parameter {n!r}; the free parameters are {list(likelihood.parameters)}")


def _minuit(likelihood: Any, result: FitResult | None, initial: Any, what: str) -> Any:
    if result is None:
        from gpu_laddu.fit.minimize import fit

        result = fit(likelihood, initial, "migrad", progress=False)
    if result.minuit is None:
        raise FitError(f"{what} needs a Migrad fit result (method {result.method!r} keeps no Minuit object)")
    if tuple(result.parameters) != tuple(likelihood.parameters):
        raise FitError(f"{what}: the result's parameters {list(result.parameters)} are not this likelihood's "
                       f"{list(likelihood.parameters)}")
    return result.minuit


def profile(likelihood: Any, name: str, *, size: int = 30, bound: float | tuple[float, float] = 2.0,
            result: FitResult | None = None, initial: Any = None) -> Profile:
    """Profile ``name``: minimise over the other parameters on ``size`` values of it.

    Parameters
    ----------
    likelihood : LikelihoodLike
    name : str
        A free parameter.
    size : int
        Number of scan points (≥ 2).
    bound : float or (low, high)
        A number of standard errors around the minimum, or explicit limits.
    result : FitResult, optional
        A Migrad fit of ``likelihood`` to start from (else one is run from ``initial``).

    Raises
    ------
    ParameterError
        ``name`` unknown or fixed.
    FitError
        ``result`` is not a Migrad fit of this likelihood, or ``size < 2``.
    """
    _check(likelihood, [name], "profile")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 2:
        raise FitError(f"profile: size must be an integer >= 2, not {size!r}")
    m = _minuit(likelihood, result, initial, "profile")
    x, y, ok = m.mnprofile(name, size=int(size), bound=bound, subtract_min=False)
    return Profile(name, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), np.asarray(ok, dtype=bool))


def contour(likelihood: Any, a: str, b: str, *, cl: float | None = None, size: int = 50,
            result: FitResult | None = None, initial: Any = None) -> np.ndarray:
    """The MINOS contour of parameters ``a`` and ``b``: a closed ``(size + 1, 2)`` array of points.

    ``cl`` is iminuit's confidence level (a probability, or a number ≥ 1 of standard
    deviations; default 1σ).  Raises :class:`ParameterError` when ``a`` or ``b`` is unknown
    or fixed, or ``a == b``; :class:`FitError` for a result that is not a Migrad fit.
    """
    _check(likelihood, [a, b], "contour")
    if a == b:
        raise ParameterError(f"contour needs two different parameters, got {a!r} twice")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 4:
        raise FitError(f"contour: size must be an integer >= 4, not {size!r}")
    m = _minuit(likelihood, result, initial, "contour")
    return np.asarray(m.mncontour(a, b, cl=cl, size=int(size)), dtype=np.float64)
