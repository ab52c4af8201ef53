"""Parameter vectors (a sequence in model order or a mapping by name) and amplitude-name patterns.

>>> resolve_parameters({"b": 2.0, "a": 1.0}, ("a", "b")).tolist()
[1.0, 2.0]
>>> resolve_parameters([1.0, 2.0], ("a", "b")).tolist()
[1.0, 2.0]
>>> resolve_parameters({"b": 2.0}, ("a", "b"), defaults={"a": 0.5}).tolist()  # laddu's partial mapping
[0.5, 2.0]
>>> sorted(expand_amplitude_names("f0*", ("f0(980)", "f0(1500)", "f2(1270)")))
['f0(1500)', 'f0(980)']
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from gpu_laddu.errors import ModelError, ParameterError

Defaults = Mapping[str, float] | Callable[[], Mapping[str, float]] | None


def resolve_parameters(p: Sequence[float] | Mapping[str, float] | np.ndarray, names: Sequence[str],
                       defaults: Defaults = None) -> np.ndarray:
    """Return a float64 vector in ``names`` order, or raise :class:`ParameterError`.

    A mapping names parameters (each at most once, nothing unknown); with ``defaults`` (a
    mapping, or a function returning one, called only when needed) omitted names take their
    default, as laddu 0.28.1 does; without, every parameter must be named.  A sequence must
    have one value per parameter; every value must be finite.
    """
    names = tuple(names)
    if isinstance(p, Mapping):
        unknown = [k for k in p if k not in names]
        if unknown:
            raise ParameterError(f"unknown parameter name(s) {unknown}; the free parameters are {list(names)}")
        missing = [n for n in names if n not in p]
        fill: Mapping[str, float] = {}
        if missing and defaults is not None:
            fill = defaults() if callable(defaults) else defaults
            missing = [n for n in missing if n not in fill]
        if missing:
            raise ParameterError(f"no value given for parameter(s) {missing}")
        values = np.array([_as_float(p[n] if n in p else fill[n], n) for n in names], dtype=np.float64)
    else:
        try:
            arr = np.asarray(p, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"parameters must be numbers, got {p!r}") from exc
        if arr.ndim != 1 or arr.shape[0] != len(names):
            raise ParameterError(
                f"expected {len(names)} parameter value(s) ({list(names)}), got shape {arr.shape}"
            )
        values = arr.copy()
    bad = ~np.isfinite(values)
    if bad.any():
        which = [f"{n}={v}" for n, v, b in zip(names, values, bad) if b]
        raise ParameterError(f"parameter values must be finite: {', '.join(which)}")
    return values


def _as_float(v: Any, name: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter {name!r} must be a number, got {v!r}") from exc


def default_values(specs: Mapping[str, Any]) -> dict[str, float]:
    """Each parameter's default: its initial value, else 0 (laddu 0.28.1's ``default_parameters``).

    >>> from gpu_laddu.ir.expr import ParameterSpec
    >>> default_values({"a": ParameterSpec("a", 2.0), "b": ParameterSpec("b")})
    {'a': 2.0, 'b': 0.0}
    """
    return {name: 0.0 if spec.initial is None else float(spec.initial) for name, spec in specs.items()}


def is_pattern(name: str) -> bool:
    """Whether ``name`` is a glob pattern (contains ``*``, ``?`` or ``[``)."""
    return any(ch in name for ch in "*?[")


def expand_amplitude_names(names: str | Iterable[str], known: Sequence[str]) -> frozenset[str]:
    """Amplitude names, with glob patterns (``"f0*"``, ``"S?+"``) expanded against ``known``.

    A literal name must be known and a pattern must match at least one name; otherwise a
    :class:`~gpu_laddu.errors.ModelError` names the culprit.  A known name that happens to
    contain a glob character is taken literally.
    """
    wanted = [names] if isinstance(names, str) else list(names)
    out: set[str] = set()
    unknown: list[str] = []
    for name in wanted:
        if name in known:
            out.add(name)
        elif isinstance(name, str) and is_pattern(name):
            matched = fnmatch.filter(known, name)
            if not matched:
                raise ModelError(f"amplitude pattern {name!r} matches no amplitude; the model has {list(known)}")
            out.update(matched)
        else:
            unknown.append(name)
    if unknown:
        raise ModelError(f"unknown amplitude name(s) {sorted(map(str, unknown))}; the model has {list(known)}")
    return frozenset(out)
