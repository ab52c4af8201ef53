"""What every fitting tool shares: the likelihood protocol, start values and bounds, a counting
and caching objective, shared random seeds and progress bars.

The fitting layer works with any object that looks like :class:`LikelihoodLike` (``NLL``,
``ExtendedNLL``, their sums, or a hand-written test function).  Its value is laddu's
``2·(negative log-likelihood)``, which fixes the error conventions used here: the covariance
is ``2·H⁻¹`` with ``H`` the Hessian of the value, and the log-posterior is ``−value/2``.

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.ir.expr import ParameterSpec
>>> class Quadratic:
...     parameters = ("x", "y")
...     def value(self, p): return float(np.sum((np.asarray(p) - 1.0) ** 2))
...     def value_and_gradient(self, p):
...         p = np.asarray(p, dtype=float)
...         return float(np.sum((p - 1.0) ** 2)), 2.0 * (p - 1.0)
...     def parameter_specs(self): return {"x": ParameterSpec("x", 0.5), "y": ParameterSpec("y", None, (0.0, 4.0))}
>>> problem = resolve_problem(Quadratic())
>>> problem.x0.tolist(), problem.bounds
([0.5, 2.0], ((-inf, inf), (0.0, 4.0)))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gpu_laddu.errors import FitError, LikelihoodError, ParameterError
from gpu_laddu.ir.expr import ParameterSpec
from gpu_laddu.likelihood.params import resolve_parameters

ParamInput = Sequence[float] | Mapping[str, float] | np.ndarray
BoundPair = tuple[float | None, float | None]
BoundsInput = Sequence[BoundPair | None] | Mapping[str, BoundPair | None]


@runtime_checkable
class LikelihoodLike(Protocol):
    """What the fitting layer needs from a likelihood.

    ``value`` is ``2·(negative log-likelihood)`` (laddu's convention).  ``parameter_specs``
    maps names to :class:`~gpu_laddu.ir.expr.ParameterSpec` (initial values and bounds); a
    name without an entry is unbounded and has no initial value.  ``ctx`` is the
    :class:`~gpu_laddu.context.ExecutionContext` (only rank 0 shows progress bars; random
    draws are shared across ranks through ``ctx.comm``).
    """

    parameters: tuple[str, ...]
    ctx: Any

    def value(self, p: Any) -> float:
        """The value at ``p``."""
        ...

    def value_and_gradient(self, p: Any) -> tuple[float, np.ndarray]:
        """The value and its gradient at ``p``."""
        ...

    def parameter_specs(self) -> Mapping[str, ParameterSpec]:
        """Initial values and bounds by parameter name."""
        ...


@dataclass(frozen=True)
class Problem:
    """A resolved fit problem: parameter names, start vector and bounds (``±inf`` if open)."""

    names: tuple[str, ...]
    x0: np.ndarray
    bounds: tuple[tuple[float, float], ...]

    @property
    def lower(self) -> np.ndarray:
        """Lower bounds (``-inf`` where open)."""
        return np.array([b[0] for b in self.bounds], dtype=np.float64)

    @property
    def upper(self) -> np.ndarray:
        """Upper bounds (``+inf`` where open)."""
        return np.array([b[1] for b in self.bounds], dtype=np.float64)

    def with_start(self, x0: np.ndarray) -> Problem:
        """The same problem from another start."""
        return Problem(self.names, np.asarray(x0, dtype=np.float64), self.bounds)


def _specs(likelihood: Any) -> Mapping[str, ParameterSpec]:
    getter = getattr(likelihood, "parameter_specs", None)
    return dict(getter()) if getter is not None else {}


def _bound_pair(pair: Any, name: str) -> tuple[float, float]:
    if pair is None:
        return (-math.inf, math.inf)
    try:
        lo, hi = pair
        lo_f = -math.inf if lo is None else float(lo)
        hi_f = math.inf if hi is None else float(hi)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"bounds of {name!r} must be a (low, high) pair (None for open), got {pair!r}") from exc
    if math.isnan(lo_f) or math.isnan(hi_f) or not lo_f < hi_f:
        raise ParameterError(
            f"bounds of {name!r} must satisfy low < high, got ({lo_f}, {hi_f}); fix a parameter with model.fix"
        )
    return lo_f, hi_f


def _resolve_bounds(names: tuple[str, ...], specs: Mapping[str, ParameterSpec],
                    bounds: BoundsInput | None) -> tuple[tuple[float, float], ...]:
    raw: dict[str, Any] = {n: (specs[n].bounds if n in specs else None) for n in names}
    if isinstance(bounds, Mapping):
        unknown = [k for k in bounds if k not in raw]
        if unknown:
            raise ParameterError(
                f"bounds given for unknown parameter(s) {unknown}; the free parameters are {list(names)}"
            )
        raw.update(bounds)
    elif bounds is not None:
        pairs = list(bounds)
        if len(pairs) != len(names):
            raise ParameterError(f"expected {len(names)} bound pairs ({list(names)}), got {len(pairs)}")
        raw = dict(zip(names, pairs))
    return tuple(_bound_pair(raw[n], n) for n in names)


def _resolve_initial(names: tuple[str, ...], specs: Mapping[str, ParameterSpec],
                     bounds: tuple[tuple[float, float], ...], initial: ParamInput | None) -> np.ndarray:
    if initial is not None and not isinstance(initial, Mapping):
        return resolve_parameters(initial, names)
    given = dict(initial or {})
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ParameterError(f"initial value(s) given for unknown parameter(s) {unknown}; "
                             f"the free parameters are {list(names)}")
    values: dict[str, float] = {}
    missing = []
    for name, (lo, hi) in zip(names, bounds):
        spec = specs.get(name)
        if name in given:
            values[name] = given[name]
        elif spec is not None and spec.initial is not None:
            values[name] = spec.initial
        elif math.isfinite(lo) and math.isfinite(hi):
            values[name] = 0.5 * (lo + hi)
        else:
            missing.append(name)
    if missing:
        raise FitError(
            f"no initial value for parameter(s) {missing}: give initial=..., define parameter(name, initial=...), "
            "or give finite bounds (their midpoint is used)"
        )
    return resolve_parameters(values, names)


def _check_inside(names: Sequence[str], x: np.ndarray, bounds: Sequence[tuple[float, float]]) -> None:
    """Raise :class:`ParameterError` naming the first value outside its bounds."""
    for name, v, (lo, hi) in zip(names, x, bounds):
        if not lo <= v <= hi:
            raise ParameterError(f"initial value of {name!r} = {v} is outside its bounds ({lo}, {hi})")


def check_likelihood(likelihood: Any) -> None:
    """Raise :class:`FitError` unless ``likelihood`` has what :class:`LikelihoodLike` requires.

    >>> try:
    ...     check_likelihood("x")
    ... except FitError as exc:
    ...     print(str(exc)[-7:])
    str 'x'
    """
    names = getattr(likelihood, "parameters", None)
    if (isinstance(names, (str, bytes)) or not isinstance(names, (tuple, list))
            or not all(callable(getattr(likelihood, m, None)) for m in ("value", "value_and_gradient"))):
        raise FitError(
            "the likelihood argument must be an NLL, ExtendedNLL, a sum of them or an object with parameters, value "
            f"and value_and_gradient; got {type(likelihood).__name__} {likelihood!r:.80}"
        )


def resolve_problem(likelihood: LikelihoodLike, initial: ParamInput | None = None,
                    bounds: BoundsInput | None = None) -> Problem:
    """Start vector and bounds from the arguments, else from ``likelihood.parameter_specs()``.

    ``initial`` is a sequence in parameter order or a (possibly partial) mapping; missing
    values come from the specs, else from the midpoint of finite bounds, else a
    :class:`FitError` names them.  ``bounds`` is a sequence of ``(low, high)`` pairs or a
    mapping overriding the specs' bounds (``None`` for an open end).  Values must be finite
    and inside the bounds (:class:`ParameterError` names the parameter).
    """
    check_likelihood(likelihood)
    names = tuple(likelihood.parameters)
    if not names:
        raise FitError("the likelihood has no free parameters")
    specs = _specs(likelihood)
    resolved_bounds = _resolve_bounds(names, specs, bounds)
    x0 = _resolve_initial(names, specs, resolved_bounds, initial)
    _check_inside(names, x0, resolved_bounds)
    return Problem(names, x0, resolved_bounds)


class Objective:
    """The likelihood as a minimiser sees it: counted, with the last points cached.

    ``value`` alone evaluates only the value (Migrad's line searches ask for many values and
    few gradients; a value costs a fraction of value + gradient); ``gradient`` or
    ``value_and_gradient`` evaluate both, and a value asked for at that point again is free.
    A :class:`LikelihoodError` is cached and re-raised likewise; a point with non-finite
    coordinates (a minimiser lost in overflow) raises one without evaluating.  ``calls`` counts
    likelihood evaluations, ``rejected`` the points that raised, ``last_good`` is the last
    ``(x, value)`` evaluated; ``on_call(value)`` is told of each success.
    """

    def __init__(self, likelihood: LikelihoodLike, on_call: Callable[[float], None] | None = None) -> None:
        self.likelihood = likelihood
        self.calls = 0
        self.rejected = 0
        self.last_good: tuple[np.ndarray, float] | None = None
        self._on_call = on_call
        self._full_key: bytes | None = None
        self._full: tuple[float, np.ndarray] | LikelihoodError = LikelihoodError("nothing evaluated yet")
        self._value_key: bytes | None = None
        self._value: float | LikelihoodError = LikelihoodError("nothing evaluated yet")

    def _evaluate(self, x: np.ndarray, compute: Callable[[], Any]) -> Any:
        if not np.all(np.isfinite(x)):  # a minimiser lost in overflow: a point to step back from
            self.rejected += 1
            return LikelihoodError(f"the minimiser proposed non-finite parameters {x.tolist()}")
        self.calls += 1
        try:
            result = compute()
        except LikelihoodError as exc:
            self.rejected += 1
            return exc
        self.last_good = (x.copy(), float(result[0] if isinstance(result, tuple) else result))
        value = float(result[0] if isinstance(result, tuple) else result)
        if self._on_call is not None:
            self._on_call(value)
        return (value, np.asarray(result[1], dtype=np.float64)) if isinstance(result, tuple) else value

    def value_and_gradient(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Value and gradient at ``x``; raises :class:`LikelihoodError` where undefined."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        key = x.tobytes()
        if key != self._full_key:
            self._full_key = key
            self._full = self._evaluate(x, lambda: self.likelihood.value_and_gradient(x))
        if isinstance(self._full, LikelihoodError):
            raise self._full
        return self._full

    def value(self, x: np.ndarray) -> float:
        """Value at ``x`` (no gradient is computed unless it already was at ``x``)."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        key = x.tobytes()
        if key == self._full_key:
            return self.value_and_gradient(x)[0]
        if key != self._value_key:
            self._value_key = key
            self._value = self._evaluate(x, lambda: self.likelihood.value(x))
        if isinstance(self._value, LikelihoodError):
            raise self._value
        return self._value

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Gradient at ``x``."""
        return self.value_and_gradient(x)[1]

    def detach(self) -> None:
        """Stop reporting calls (the progress bar it reported to is closed)."""
        self._on_call = None


def start_error(exc: LikelihoodError, names: Sequence[str], x0: np.ndarray) -> FitError:
    """The FitError for a start where the likelihood cannot be evaluated."""
    start = dict(zip(names, np.asarray(x0).tolist()))
    return FitError(
        f"the likelihood cannot be evaluated at the starting point {start} ({exc}); the intensity must be "
        "positive at every data event: choose another initial point or bounds"
    )


def rank_of(likelihood: Any) -> int:
    """This process's rank (0 without a context)."""
    ctx = getattr(likelihood, "ctx", None)
    return int(getattr(ctx, "rank", 0)) if ctx is not None else 0


def shared_seed(likelihood: Any, seed: int | None) -> int:
    """``seed``, or fresh entropy drawn on rank 0 and broadcast, so all ranks draw alike."""
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise FitError(f"seed must be a non-negative integer or None, not {seed!r}")
        return int(seed)
    fresh = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    ctx = getattr(likelihood, "ctx", None)
    comm = getattr(ctx, "comm", None) if ctx is not None else None
    return int(comm.bcast(fresh, root=0)) if comm is not None else fresh

