"""Regularisation terms that add to any likelihood: laddu 0.28.1's ``RidgePenalty`` and ``LassoPenalty``.

In objective units (the likelihoods' ``2·NLL``), with λ ≥ 0 and the named parameters p_i:

* ``RidgePenalty``:  2·λ·Σ p_i²       gradient 4·λ·p_i
* ``LassoPenalty``:  2·λ·Σ |p_i|      gradient 2·λ·sign(p_i), taken as 0 at p_i = 0

The Lasso term is not differentiable at p_i = 0: there its gradient is the subgradient 0 (the
middle of [−2λ, 2λ]).  Migrad and L-BFGS-B still work with it — they converge to a point
where a penalised parameter is small rather than exactly 0, and the covariance there is that
of the smooth side.  A penalty adds to a likelihood with ``+``; its parameter names must be
free parameters of the other terms (checked when the sum is built).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.ones(4)}, ctx=ctx)
>>> a = gl.parameter("a", initial=1.0)
>>> nll = gl.ExtendedNLL(gl.Model((a * 1.0).norm_sqr()), ds, ds)
>>> total = nll + gl.RidgePenalty(["a"], lambda_=0.5)
>>> round(total.value([2.0]) - nll.value([2.0]), 12)      # 2·0.5·2²
4.0
>>> total.gradient([2.0]) - nll.gradient([2.0])           # 4·0.5·2
array([4.])
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from gpu_laddu.errors import ParameterError
from gpu_laddu.ir.expr import ParameterSpec
from gpu_laddu.likelihood.params import resolve_parameters

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray


class _Penalty(ABC):
    """Shared machinery: parameter names, λ, sums."""

    kind = "penalty"

    def __init__(self, parameters: str | Iterable[str], lambda_: float, name: str) -> None:
        names = [parameters] if isinstance(parameters, str) else list(parameters)
        if not names:
            raise ParameterError(f"{type(self).__name__}: parameters must name at least one parameter")
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise ParameterError(f"{type(self).__name__}: parameters must be names (str), got {bad}")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ParameterError(f"{type(self).__name__}: parameter(s) {dupes} named more than once")
        try:
            lam = float(lambda_)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{type(self).__name__}: lambda_ must be a number, got {lambda_!r}") from exc
        if not (math.isfinite(lam) and lam >= 0.0):
            raise ParameterError(f"{type(self).__name__}: lambda_ must be finite and >= 0, got {lambda_!r}")
        self.parameters: tuple[str, ...] = tuple(names)
        self.lambda_ = lam
        self.name = str(name)
        self.ctx: Any = None  # no data: works with any context

    @abstractmethod
    def _terms(self, values: np.ndarray) -> tuple[float, np.ndarray]:
        """(penalty, gradient) at ``values`` in :attr:`parameters` order."""

    def value(self, p: ParamVector) -> float:
        """The penalty at ``p`` (sequence in :attr:`parameters` order, or a mapping)."""
        return self._terms(resolve_parameters(p, self.parameters))[0]

    def value_and_gradient(self, p: ParamVector) -> tuple[float, np.ndarray]:
        """The penalty and its gradient."""
        return self._terms(resolve_parameters(p, self.parameters))

    def gradient(self, p: ParamVector) -> np.ndarray:
        """The gradient."""
        return self.value_and_gradient(p)[1]

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        """No initial values or bounds of its own (the likelihood terms define them)."""
        return {}

    def bootstrap_replica(self, seed: int) -> _Penalty:
        """A penalty has no data: the same penalty."""
        return self

    def __add__(self, other: Any) -> Any:
        from gpu_laddu.likelihood.terms import LikelihoodSum

        return LikelihoodSum([self, other])

    def __radd__(self, other: Any) -> Any:
        from gpu_laddu.likelihood.terms import LikelihoodSum

        if isinstance(other, (int, float)) and other == 0:
            return self
        return LikelihoodSum([other, self])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.parameters)}, lambda_={self.lambda_}, name={self.name!r})"


class RidgePenalty(_Penalty):
    """Quadratic regularisation ``2·λ·Σ p²`` in objective units (laddu 0.28.1's definition).

    Parameters
    ----------
    parameters : str or sequence of str
        Free parameters to penalise (of the likelihood it is added to).
    lambda_ : float
        Strength, ≥ 0.
    name : str
        A label (laddu's term name).

    Examples
    --------
    >>> RidgePenalty(["a", "b"], lambda_=0.25).value([1.0, -2.0])   # 2·0.25·(1 + 4)
    2.5
    """

    def __init__(self, parameters: str | Iterable[str], lambda_: float, name: str = "ridge") -> None:
        super().__init__(parameters, lambda_, name)

    def _terms(self, values: np.ndarray) -> tuple[float, np.ndarray]:
        return float(2.0 * self.lambda_ * np.sum(values * values)), 4.0 * self.lambda_ * values


class LassoPenalty(_Penalty):
    """Absolute-value regularisation ``2·λ·Σ |p|`` in objective units (laddu 0.28.1's definition).

    The gradient is ``2·λ·sign(p)``, 0 at ``p = 0`` (see the module notes on the kink).

    Parameters
    ----------
    parameters : str or sequence of str
        Free parameters to penalise (of the likelihood it is added to).
    lambda_ : float
        Strength, ≥ 0.
    name : str
        A label (laddu's term name).

    Examples
    --------
    >>> LassoPenalty(["a", "b"], lambda_=0.25).value([1.0, -2.0])   # 2·0.25·(1 + 2)
    1.5
    """

    def __init__(self, parameters: str | Iterable[str], lambda_: float, name: str = "lasso") -> None:
        super().__init__(parameters, lambda_, name)

    def _terms(self, values: np.ndarray) -> tuple[float, np.ndarray]:
        return float(2.0 * self.lambda_ * np.sum(np.abs(values))), 2.0 * self.lambda_ * np.sign(values)


def check_penalties(terms: Sequence[Any]) -> None:
    """Raise :class:`ParameterError` if a penalty names a parameter no likelihood term has free.

    A name that is a fixed parameter of some term's model is reported as fixed.
    """
    penalties = [t for t in terms if isinstance(t, _Penalty)]
    if not penalties:
        return
    others = [t for t in terms if not isinstance(t, _Penalty)]
    if not others:
        raise ParameterError("a penalty must be added to a likelihood term (NLL, ExtendedNLL, ...)")
    free = {n for t in others for n in t.parameters}
    fixed = {n for t in others for n in getattr(getattr(t, "model", None), "fixed", {})}
    for pen in penalties:
        for n in pen.parameters:
            if n in free:
                continue
            if n in fixed:
                raise ParameterError(f"{type(pen).__name__} {pen.name!r}: parameter {n!r} is fixed; "
                                     "penalise free parameters only")
            raise ParameterError(f"{type(pen).__name__} {pen.name!r}: unknown parameter {n!r}; "
                                 f"the free parameters are {sorted(free)}")
