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

import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
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
        Migrad: ``valid``; the other methods: ``valid and accurate``.  Read it together with
        ``accurate``: a valid minimum whose covariance is not accurate has converged, but its
        errors are not to be trusted (the text of the result says so).
    n_calls : int
        Likelihood evaluations (each one a value and its gradient), all starts included.
    message : str
        What the minimiser reported.
    method : str
        ``"migrad"``, ``"lbfgsb"``, ``"nelder-mead"``, ``"powell"``, ``"trust-constr"`` or ``"cmaes"``.
    valid : bool
        The minimiser's verdict on the minimum: Migrad's valid minimum (EDM below its goal,
        call limit not reached), scipy's ``success``, CMA-ES stopped by a tolerance.
    accurate : bool
        The covariance can be trusted: Migrad's accurate covariance (not forced positive
        definite, Hesse did not fail); for the other methods a positive-definite numerical
        Hessian.
    starts : tuple of dict
        With restarts, one summary per start (``start``, ``x0``, ``fval``, ``valid``,
        ``accurate``, ``converged``, ``message``, ``x``); empty otherwise.
    minuit : iminuit.Minuit or None
        The Minuit object of a Migrad fit (``None`` for other methods and for results read
        back from JSON); :meth:`minos` uses it.

    Examples
    --------
    >>> import numpy as np
    >>> r = FitResult(("a",), np.array([1.0]), np.array([0.5]), np.array([[0.25]]), 0.0, True, 3, "ok", "migrad")
    >>> print(r)  # doctest: +NORMALIZE_WHITESPACE
    FitResult (migrad): converged (valid minimum, accurate covariance), fval = 0, 3 calls
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
    valid: bool | None = None
    accurate: bool | None = None
    starts: tuple[dict[str, Any], ...] = ()
    minuit: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Results built without the flags (older code, older JSON): valid = converged,
        # accurate = a finite covariance.
        if self.valid is None:
            object.__setattr__(self, "valid", bool(self.converged))
        if self.accurate is None:
            object.__setattr__(self, "accurate", bool(np.all(np.isfinite(self.covariance))))

    def minos(self, *names: str, cl: float | None = None) -> dict[str, tuple[float, float]]:
        """MINOS (asymmetric) errors ``{name: (lower, upper)}`` from the kept ``iminuit.Minuit``.

        Parameters
        ----------
        *names : str
            Parameters to scan (all when none is given).
        cl : float, optional
            Confidence level (iminuit's ``cl``: a probability, or a number ≥ 1 of standard
            deviations); one standard deviation by default.

        Raises
        ------
        FitError
            The result has no Minuit object (not a Migrad fit, or read back from JSON).
        ParameterError
            An unknown parameter name.

        Examples
        --------
        >>> import numpy as np, gpu_laddu as gl
        >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
        >>> ds = gl.from_numpy(scalars={"x": np.ones(50)}, ctx=ctx)
        >>> a = gl.parameter("a", initial=1.5)
        >>> r = gl.ExtendedNLL(gl.Model((a * 1.0).norm_sqr()), ds, ds).fit(progress=False)
        >>> lo, hi = r.minos("a")["a"]
        >>> bool(lo < 0 < hi)
        True
        """
        from gpu_laddu.errors import FitError, ParameterError

        if self.minuit is None:
            raise FitError(f"minos needs the iminuit.Minuit object of a Migrad fit; this result (method "
                           f"{self.method!r}) has none: refit with method='migrad'")
        unknown = [n for n in names if n not in self.parameters]
        if unknown:
            raise ParameterError(f"minos: unknown parameter(s) {unknown}; the fit has {list(self.parameters)}")
        wanted = names or self.parameters
        self.minuit.minos(*wanted, cl=cl)
        return {n: (float(self.minuit.merrors[n].lower), float(self.minuit.merrors[n].upper)) for n in wanted}

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
            "valid": bool(self.valid),
            "accurate": bool(self.accurate),
            "starts": [_json_safe(e) for e in self.starts],
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
            valid=bool(d["valid"]) if "valid" in d else None,
            accurate=bool(d["accurate"]) if "accurate" in d else None,
            starts=tuple(_from_json_safe(e) for e in d.get("starts", ())),
        )

    @classmethod
    def from_json(cls, text: str) -> FitResult:
        """Rebuild a result written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    def status(self) -> str:
        """One phrase: converged or not, and whether the minimum is valid and the covariance accurate."""
        verdict = "converged" if self.converged else "NOT converged"
        minimum = "valid minimum" if self.valid else "INVALID minimum"
        covariance = "accurate covariance" if self.accurate else "covariance NOT accurate: errors unreliable"
        return f"{verdict} ({minimum}, {covariance})"

    def __str__(self) -> str:
        width = max([9, *(len(n) for n in self.parameters)])
        lines = [
            f"FitResult ({self.method}): {self.status()}, fval = {self.fval:.10g}, {self.n_calls} calls",
            f"  {self.message}",
            f"  {'parameter':<{width}} {'value':>11} {'error':>11}",
        ]
        lines += [f"  {n:<{width}} {v:>11.6g} {e:>11.3g}" for n, v, e in zip(self.parameters, self.x, self.std)]
        if self.starts:
            lines.append(f"  {'start':>5} {'fval':>16}  status")
            for e in self.starts:
                flag = "could not be evaluated" if not math.isfinite(e["fval"]) else (
                    ("valid" if e["valid"] else "INVALID") + ("" if e["accurate"] else ", covariance NOT accurate"))
                lines.append(f"  {e['start']:>5} {e['fval']:>16.10g}  {flag}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: status, message, values and errors (and starts)."""
        colour = "#2e7d32" if self.converged and self.accurate else "#c62828"
        rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{v:.6g}</td><td>{e:.3g}</td></tr>"
                       for n, v, e in zip(self.parameters, self.x, self.std))
        out = (f"<div><b>FitResult ({html.escape(self.method)})</b>: "
               f"<span style='color:{colour}'>{html.escape(self.status())}</span>, "
               f"fval = {self.fval:.10g}, {self.n_calls} calls<br><small>{html.escape(self.message)}</small>"
               f"<table><tr><th>parameter</th><th>value</th><th>error</th></tr>{rows}</table>")
        if self.starts:
            srows = "".join(f"<tr><td>{e['start']}</td><td>{e['fval']:.10g}</td><td>{bool(e['valid'])}</td>"
                            f"<td>{bool(e['accurate'])}</td></tr>" for e in self.starts)
            out += ("<table><tr><th>start</th><th>fval</th><th>valid</th><th>accurate</th></tr>"
                    f"{srows}</table>")
        return out + "</div>"


def _json_safe(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in entry.items():
        if isinstance(v, float):
            out[k] = _number(v)
        elif isinstance(v, Mapping):
            out[k] = {str(a): _number(float(b)) for a, b in v.items()}
        else:
            out[k] = v
    return out


def _from_json_safe(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (_float(v) if k == "fval" else v) for k, v in entry.items()}
