"""Model: an expression plus which of its parameters are fixed; ``load`` binds it to data.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> a = gl.parameter("a", initial=1.0)
>>> b = gl.parameter("b")
>>> m = gl.Model(a * a + b)
>>> m.parameters
('a', 'b')
>>> m.fix("b", 0.5).parameters
('a',)
>>> m.free("b").parameters
('a', 'b')
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from gpu_laddu.errors import ModelError, ParameterError
from gpu_laddu.ir.expr import Expression, ParameterSpec, as_expression

if TYPE_CHECKING:
    from gpu_laddu.data.dataset import Dataset
    from gpu_laddu.likelihood.evaluator import Evaluator


def _fixed_value(name: str, value: Any) -> float:
    """``value`` as a float, or a :class:`ParameterError` naming the parameter."""
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise ParameterError(f"cannot fix {name!r} to {value!r}: the value must be a real number")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"cannot fix {name!r} to {value!r}: the value must be a real number") from exc


class Model:
    """A compiled-on-load amplitude model.

    Parameters
    ----------
    expr : Expression
        The intensity or amplitude expression (an intensity should be real, e.g. a sum of
        ``norm_sqr`` terms).

    Notes
    -----
    ``fix`` and ``free`` change this model in place (and return it); evaluators and
    likelihoods built earlier keep the settings they were built with.
    """

    def __init__(self, expr: Expression) -> None:
        self._expr = as_expression(expr)
        self._fixed: dict[str, float] = {}

    @property
    def expression(self) -> Expression:
        """The model's expression."""
        return self._expr

    @property
    def all_parameters(self) -> tuple[str, ...]:
        """Every parameter name (free and fixed), in first-appearance order."""
        return self._expr.parameter_names

    @property
    def parameters(self) -> tuple[str, ...]:
        """Free parameter names, in first-appearance order."""
        return tuple(n for n in self._expr.parameter_names if n not in self._fixed)

    @property
    def fixed(self) -> dict[str, float]:
        """Fixed parameters and their values."""
        return dict(self._fixed)

    @property
    def amplitudes(self) -> tuple[str, ...]:
        """Amplitude names, in first-appearance order."""
        return self._expr.amplitude_names

    def parameter_spec(self, name: str) -> ParameterSpec:
        """Initial value and bounds of parameter ``name``."""
        self._check_name(name)
        return self._expr.params[name]

    def fix(self, name: str, value: float) -> Model:
        """Fix parameter ``name`` to ``value`` (it becomes a constant of compiled graphs)."""
        self._check_name(name)
        value = _fixed_value(name, value)
        if not math.isfinite(value):
            raise ParameterError(f"cannot fix {name!r} to a non-finite value {value}")
        self._fixed[name] = value
        return self

    def free(self, name: str) -> Model:
        """Make a fixed parameter free again."""
        self._check_name(name)
        self._fixed.pop(name, None)
        return self

    def _check_name(self, name: str) -> None:
        if name not in self._expr.params:
            raise ParameterError(f"unknown parameter {name!r}; the model has {list(self._expr.params)}")

    def load(self, dataset: Dataset, *, gradient: bool = True) -> Evaluator:
        """Precompute everything parameter-independent on ``dataset``; return an Evaluator.

        ``gradient=False`` builds only the value graph (cheaper when no gradient is needed,
        e.g. for event generation or plotting).
        """
        from gpu_laddu.likelihood.evaluator import Evaluator

        return Evaluator(self, dataset, gradient=gradient)

    def kernel_source(self, target: str = "cuda", **kwargs: Any) -> str:
        """Generated source of the fused per-call kernel for ``target`` ("cuda" or "numba")."""
        from gpu_laddu.codegen import kernel_source

        if target not in ("cuda", "numba"):
            raise ModelError(f"unknown kernel target {target!r}; use 'cuda' or 'numba'")
        return kernel_source(self, target, **kwargs)

    def __repr__(self) -> str:
        return f"Model(parameters={list(self.parameters)}, fixed={self._fixed}, amplitudes={list(self.amplitudes)})"
