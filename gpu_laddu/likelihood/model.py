"""Model: an expression plus which of its parameters are fixed; ``load`` binds it to data.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> a = gl.parameter("a", initial=1.0)
>>> b = gl.parameter("b")
>>> m = gl.Model(a * a + b)
>>> m.parameters
('a', 'b')
>>> fixed = m.fix("b", 0.5)      # a new model; ``m`` is unchanged
>>> fixed.parameters, m.parameters
(('a',), ('a', 'b'))
>>> fixed.free("b").parameters
('a', 'b')
"""

from __future__ import annotations

import cmath
import copy
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.errors import LikelihoodError, ModelError, ParameterError
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
    ``fix`` and ``free`` return a new model and leave this one unchanged (laddu 0.28.1's
    ``with_parameters`` style; before gpu_laddu 0.2 they changed the model in place).
    """

    def __init__(self, expr: Expression) -> None:
        if hasattr(expr, "shape") and getattr(expr, "shape", ()) != ():
            raise ModelError(f"a model needs a scalar expression; select an element of this array of shape "
                             f"{expr.shape} first (v[i] or m.at(i, j))")
        try:
            self._expr = as_expression(expr)
        except TypeError as exc:
            raise ModelError(f"a model needs an expression, got {type(expr).__name__}") from exc
        self._fixed: dict[str, float] = {n: s.fixed for n, s in self._expr.params.items() if s.fixed is not None}

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
    def parameter_names(self) -> list[str]:
        """laddu's name for :attr:`parameters` (a list)."""
        return list(self.parameters)

    @property
    def default_parameters(self) -> list[float]:
        """Start values of the free parameters: their initial values, else 0 (as laddu)."""
        specs = self._expr.params
        return [float(specs[n].initial or 0.0) for n in self.parameters]

    @property
    def fixed_parameters(self) -> dict[str, float]:
        """laddu's name for :attr:`fixed` (sorted by name)."""
        return dict(sorted(self._fixed.items()))

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
        """A new model with parameter ``name`` fixed to ``value`` (a constant of compiled graphs).

        This model is left unchanged.
        """
        self._check_name(name)
        value = _fixed_value(name, value)
        if not math.isfinite(value):
            raise ParameterError(f"cannot fix {name!r} to a non-finite value {value}")
        return self._with_fixed({**self._fixed, name: value})

    def free(self, name: str) -> Model:
        """A new model with parameter ``name`` free again (this model is left unchanged)."""
        self._check_name(name)
        return self._with_fixed({k: v for k, v in self._fixed.items() if k != name})

    def _with_fixed(self, fixed: dict[str, float]) -> Model:
        new = copy.copy(self)
        new._fixed = fixed
        return new

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

    def _parameter_vector(self, parameters: Any) -> list[float]:
        """Free values from None (defaults), a sequence in order, or a partial mapping by name."""
        from gpu_laddu.likelihood.params import resolve_parameters

        if parameters is None:
            return self.default_parameters
        if isinstance(parameters, Mapping):
            unknown = [k for k in parameters if k not in self.parameters]
            if unknown:
                raise ParameterError(f"unknown parameter name(s) {unknown}; the free parameters are "
                                     f"{list(self.parameters)}")
            merged = dict(zip(self.parameters, self.default_parameters))
            merged.update(parameters)
            parameters = merged
        return [float(v) for v in resolve_parameters(parameters, self.parameters)]

    def evaluate(self, dataset: Dataset | None = None, *, parameters: Any = None, real: bool = False) -> Any:
        """The expression's value (laddu 0.28.1's ``Model.evaluate``).

        Without a dataset: one Python complex (float with ``real=True``) for an expression that
        reads no event column.  With one: a numpy array over the events (complex128, or
        float64 with ``real=True``).  ``parameters``: None (the defaults), a sequence in
        :attr:`parameters` order, or a mapping by name (omitted names keep their defaults).

        >>> import gpu_laddu as gl
        >>> gl.Model(gl.parameter("x") * 2.0 + 1j).evaluate(parameters=[1.5])
        (3+1j)
        """
        values = self._parameter_vector(parameters)
        if dataset is None:
            return self._evaluate_scalar(values, real)
        out = self.load(dataset, gradient=False).evaluate(values)
        host = np.asarray(dataset.ctx.to_numpy(out)) if hasattr(dataset.ctx, "to_numpy") else np.asarray(out)
        host = host.astype(np.complex128)
        return host.real.copy() if real else host

    def _evaluate_scalar(self, values: list[float], real: bool) -> complex | float:
        from gpu_laddu.codegen.python import scalar_function
        from gpu_laddu.ir.nodes import iter_ops
        from gpu_laddu.passes.specialize import specialize_activation

        node = self._expr.node
        if next(iter_ops([node], "column"), None) is not None:
            raise ModelError("this expression reads event columns: pass a dataset to evaluate it")
        (node,) = specialize_activation([node], frozenset(self.amplitudes))
        names = (*self.parameters, *self._fixed)
        try:
            (value,) = scalar_function([node], names)([*values, *self._fixed.values()])
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise LikelihoodError(f"the expression is undefined at these parameters: {exc}") from None
        c = complex(value)
        if not cmath.isfinite(c):  # host math follows IEEE arithmetic (NaN, ±inf), like the kernels
            raise LikelihoodError(f"the expression is undefined at these parameters (it evaluates to {value})")
        return c.real if real else c

    def kernel_source(self, target: str = "cuda", **kwargs: Any) -> str:
        """Generated source of the fused per-call kernel for ``target`` ("cuda" or "numba")."""
        from gpu_laddu.codegen import kernel_source

        if target not in ("cuda", "numba"):
            raise ModelError(f"unknown kernel target {target!r}; use 'cuda' or 'numba'")
        return kernel_source(self, target, **kwargs)

    def __repr__(self) -> str:
        return f"Model(parameters={list(self.parameters)}, fixed={self._fixed}, amplitudes={list(self.amplitudes)})"
