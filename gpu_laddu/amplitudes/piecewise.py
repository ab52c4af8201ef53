"""Piecewise (binned) amplitudes: one free value per bin of a kinematic variable.

The bin index of every event is precomputed once (one real column, −1 outside the range);
per call the amplitude is Σ_b v_b·[index = b], with the indicator evaluated in the fused
kernel, so a model with many bins costs one cache column, not one per bin.

Binning: ``bins`` equal bins over ``[low, high)``; an event outside the range (or with a
non-finite value) gives 0, as in laddu.

Examples
--------
>>> import gpu_laddu as gl
>>> m = gl.Mass(["kshort1", "kshort2"])
>>> amp = gl.PiecewiseScalar("binned", m, 3, (1.0, 1.6), [gl.parameter(f"b{i}") for i in range(3)])
>>> amp.parameter_names
('b0', 'b1', 'b2')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gpu_laddu.amplitudes.base import ParameterLike, VariableColumn, check_name, real_parameter
from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, amplitude, combine, complex_, constant, to_complex
from gpu_laddu.ir.nodes import column


@dataclass(frozen=True)
class BinIndexColumn:
    """The bin index of ``variable`` per event (float; −1 outside ``[low, high)``)."""

    variable: Any
    bins: int
    low: float
    high: float
    dtype = "real"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("bin_index", self.variable.key, self.bins, self.low, self.high)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        xp = dataset.ctx.xp
        v = VariableColumn(self.variable).compute(dataset, memo)
        width = (self.high - self.low) / self.bins
        index = xp.minimum(xp.floor((v - self.low) / width), self.bins - 1)
        inside = (v >= self.low) & (v < self.high)
        return xp.where(inside, index, -1.0)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4s, scalars = self.variable.required_columns()
        return frozenset(p4s), frozenset(scalars)


def _binning(name: str, variable: Any, bins: int, range: tuple[float, float], n_values: int) -> BinIndexColumn:
    if not hasattr(variable, "value") or not hasattr(variable, "key"):
        raise ModelError(f"{name!r}: the binned quantity must be a variable (e.g. gl.Mass(...)), got {variable!r}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ModelError(f"{name!r}: bins must be a positive integer, got {bins!r}")
    try:
        low, high = (float(x) for x in range)
    except (TypeError, ValueError):
        raise ModelError(f"{name!r}: range must be (low, high), got {range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ModelError(f"{name!r}: range must be finite with low < high, got {range!r}")
    if n_values != bins:
        raise ModelError(f"{name!r}: needs one value per bin ({bins}), got {n_values}")
    return BinIndexColumn(variable, bins, low, high)


def _sum_over_bins(index: BinIndexColumn, values: list[Expression]) -> Expression:
    idx = Expression(column(index))
    terms = [v * combine("eq", idx, constant(float(b))) for b, v in enumerate(values)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def PiecewiseScalar(  # noqa: N802 - public API name
    name: str, variable: Any, bins: int, range: tuple[float, float], values: Sequence[ParameterLike]
) -> Expression:
    """A real value per bin of ``variable`` (0 outside ``range``).

    >>> import gpu_laddu as gl
    >>> gl.PiecewiseScalar("w", gl.Mass("k"), 2, (0.0, 1.0), [1.0, gl.parameter("b")]).parameter_names
    ('b',)
    """
    name = check_name(name)
    values = list(values)
    index = _binning(name, variable, bins, range, len(values))
    reals = [real_parameter(v, f"{name!r} bin {b}") for b, v in enumerate(values)]
    return amplitude(name, to_complex(_sum_over_bins(index, reals)))


def PiecewiseComplexScalar(  # noqa: N802 - public API name
    name: str, variable: Any, bins: int, range: tuple[float, float],
    values: Sequence[tuple[ParameterLike, ParameterLike]]
) -> Expression:
    """A complex value ``re + i·im`` per bin of ``variable`` (0 outside ``range``).

    >>> import gpu_laddu as gl
    >>> p = [(gl.parameter(f"re{b}"), gl.parameter(f"im{b}")) for b in range(2)]
    >>> gl.PiecewiseComplexScalar("c", gl.Mass("k"), 2, (0.0, 1.0), p).parameter_names
    ('re0', 'im0', 're1', 'im1')
    """
    name = check_name(name)
    values = list(values)
    index = _binning(name, variable, bins, range, len(values))
    pairs = []
    for b, pair in enumerate(values):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ModelError(f"{name!r}: bin {b} needs a (re, im) pair, got {pair!r}")
        pairs.append(complex_(real_parameter(pair[0], f"{name!r} bin {b} re"),
                              real_parameter(pair[1], f"{name!r} bin {b} im")))
    return amplitude(name, _sum_over_bins(index, pairs))
