"""Parameter vectors: a sequence in model order or a mapping by name, validated.

>>> resolve_parameters({"b": 2.0, "a": 1.0}, ("a", "b")).tolist()
[1.0, 2.0]
>>> resolve_parameters([1.0, 2.0], ("a", "b")).tolist()
[1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gpu_laddu.errors import ParameterError


def resolve_parameters(p: Sequence[float] | Mapping[str, float] | np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Return a float64 vector in ``names`` order, or raise :class:`ParameterError`.

    A mapping must name every parameter exactly once and nothing else; a sequence must have
    one value per parameter; every value must be finite.
    """
    names = tuple(names)
    if isinstance(p, Mapping):
        unknown = [k for k in p if k not in names]
        if unknown:
            raise ParameterError(f"unknown parameter name(s) {unknown}; the free parameters are {list(names)}")
        missing = [n for n in names if n not in p]
        if missing:
            raise ParameterError(f"no value given for parameter(s) {missing}")
        values = np.array([_as_float(p[n], n) for n in names], dtype=np.float64)
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
