"""FitResult: values, errors and covariance of a fit, serialisable to JSON.

Covariance convention
---------------------
gpu_laddu's likelihoods return ``F = 2·(negative log-likelihood)`` (laddu's convention, like a
χ²).  The covariance of the estimates is therefore ``2·H⁻¹`` with ``H`` the Hessian of ``F``
(= the inverse Hessian of the plain negative log-likelihood), and one standard error is where
``F`` rises by 1 — iminuit's ``errordef = 1`` (``Minuit.LEAST_SQUARES``).

Examples
--------
>>> import numpy as np
>>> r = FitResult(parameters=("a", "b"), x=np.array([1.0, 2.0]), std=np.array([0.1, 0.2]),
...               covariance=np.diag([0.01, 0.04]), fval=3.5, converged=True, n_calls=12,
...               message="ok", method="migrad")
>>> r.values
{'a': 1.0, 'b': 2.0}
>>> FitResult.from_json(r.to_json()).errors == r.errors
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


def _number(v: float) -> float | None:
    """A float for JSON: NaN and inf become None (plain JSON has neither)."""
    return float(v) if math.isfinite(v) else None


def _float(v: Any) -> float:
    return math.nan if v is None else float(v)


@dataclass(frozen=True, eq=False)
class FitResult:
    """The outcome of :func:`gpu_laddu.fit.fit`.

    Attributes
    ----------
    parameters : tuple of str
        Parameter names, in the order of ``x``, ``std`` and ``covariance``.
    x : numpy.ndarray
        Best-fit values.
    std : numpy.ndarray
        Standard errors, ``sqrt(diag(covariance))`` (NaN where unavailable).
    covariance : numpy.ndarray
        ``2·H⁻¹`` (see the module notes), NaN-filled when it could not be computed.
    fval : float
        The likelihood value at the minimum.
    converged : bool
        The minimiser's verdict: Migrad's valid minimum (EDM below its goal, call limit not
        reached); L-BFGS-B's ``success`` and a positive-definite Hessian.  Covariance
        problems Migrad reports (Hesse failed, forced positive definite) are in ``message``.
    n_calls : int
        Likelihood evaluations (each one a value and its gradient), all starts included.
    message : str
        What the minimiser reported.
    method : str
        ``"migrad"`` or ``"lbfgsb"``.

    Examples
    --------
    >>> import numpy as np
    >>> r = FitResult(("a",), np.array([1.0]), np.array([0.5]), np.array([[0.25]]), 0.0, True, 3, "ok", "migrad")
    >>> print(r)  # doctest: +NORMALIZE_WHITESPACE
    FitResult (migrad): converged, fval = 0, 3 calls
      ok
      parameter       value       error
      a                   1         0.5
    """

    parameters: tuple[str, ...]
    x: np.ndarray
    std: np.ndarray
    covariance: np.ndarray
    fval: float
    converged: bool
    n_calls: int
    message: str
    method: str

    @property
    def values(self) -> dict[str, float]:
        """Best-fit values by name."""
        return {n: float(v) for n, v in zip(self.parameters, self.x)}

    @property
    def errors(self) -> dict[str, float]:
        """Standard errors by name."""
        return {n: float(v) for n, v in zip(self.parameters, self.std)}

    @property
    def correlation(self) -> np.ndarray:
        """The correlation matrix (NaN where an error is zero or unavailable)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.covariance / np.outer(self.std, self.std)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dictionary (NaN and inf become ``None``)."""
        return {
            "parameters": list(self.parameters),
            "values": {n: _number(v) for n, v in self.values.items()},
            "errors": {n: _number(v) for n, v in self.errors.items()},
            "covariance": [[_number(v) for v in row] for row in np.asarray(self.covariance, dtype=np.float64)],
            "fval": _number(self.fval),
            "converged": bool(self.converged),
            "n_calls": int(self.n_calls),
            "message": self.message,
            "method": self.method,
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (keyword arguments go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FitResult:
        """Rebuild a result written by :meth:`to_dict`."""
        names = tuple(d["parameters"])
        return cls(
            parameters=names,
            x=np.array([_float(d["values"][n]) for n in names], dtype=np.float64),
            std=np.array([_float(d["errors"][n]) for n in names], dtype=np.float64),
            covariance=np.array([[_float(v) for v in row] for row in d["covariance"]],
                                dtype=np.float64).reshape(len(names), len(names)),
            fval=_float(d["fval"]),
            converged=bool(d["converged"]),
            n_calls=int(d["n_calls"]),
            message=str(d["message"]),
            method=str(d["method"]),
        )

    @classmethod
    def from_json(cls, text: str) -> FitResult:
        """Rebuild a result written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    def __str__(self) -> str:
        width = max([9, *(len(n) for n in self.parameters)])
        status = "converged" if self.converged else "NOT converged"
        lines = [
            f"FitResult ({self.method}): {status}, fval = {self.fval:.10g}, {self.n_calls} calls",
            f"  {self.message}",
            f"  {'parameter':<{width}} {'value':>11} {'error':>11}",
        ]
        lines += [f"  {n:<{width}} {v:>11.6g} {e:>11.3g}" for n, v, e in zip(self.parameters, self.x, self.std)]
        return "\n".join(lines)
