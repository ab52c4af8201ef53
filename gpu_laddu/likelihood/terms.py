"""Sums of likelihood terms: simultaneous fits of several datasets sharing parameters by name.

``nll_a + nll_b`` (or ``LikelihoodSum([...])``) has the union of the terms' parameters in
first-appearance order; its value and gradient are the sums over terms, each term reading
the parameters it knows.  Typical uses: one term per polarisation orientation or per bin
of a shared parameter.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.ones(3)}, ctx=ctx)
>>> a, b = gl.parameter("a"), gl.parameter("b")
>>> t1 = gl.ExtendedNLL(gl.Model((a * 1.0).norm_sqr()), ds, ds)
>>> t2 = gl.ExtendedNLL(gl.Model((a * b).norm_sqr()), ds, ds)
>>> total = t1 + t2
>>> total.parameters
('a', 'b')
>>> bool(np.isclose(total.value([2.0, 3.0]), t1.value([2.0]) + t2.value([2.0, 3.0])))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from gpu_laddu.errors import ContextError, ModelError, ParameterError
from gpu_laddu.ir.expr import ParameterSpec
from gpu_laddu.likelihood.fitting import FitMethods
from gpu_laddu.likelihood.params import default_values, expand_amplitude_names, resolve_parameters
from gpu_laddu.likelihood.penalties import check_penalties

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray


class LikelihoodSum(FitMethods):
    """The sum of likelihood terms (NLL, ExtendedNLL or other sums).

    Parameters
    ----------
    terms : iterable of likelihood terms
        All on the same ExecutionContext; penalties (:class:`~gpu_laddu.likelihood.penalties.RidgePenalty`,
        :class:`~gpu_laddu.likelihood.penalties.LassoPenalty`) may be among them.
    """

    def __init__(self, terms: Iterable[Any]) -> None:
        flat: list[Any] = []
        for t in terms:
            if not (isinstance(t, LikelihoodSum) or all(hasattr(t, a) for a in ("ctx", "parameters", "value"))):
                raise ModelError(f"cannot add {type(t).__name__} {t!r:.80} to a likelihood: only likelihood terms "
                                 "(NLL, ExtendedNLL, their sums) add")
            flat.extend(t.terms if isinstance(t, LikelihoodSum) else [t])
        if not flat:
            raise ParameterError("a likelihood sum needs at least one term")
        check_penalties(flat)
        contexts = [t.ctx for t in flat if t.ctx is not None]  # penalties have none
        ctx = contexts[0] if contexts else None
        for c in contexts[1:]:
            if c is not ctx:
                raise ContextError("likelihood terms of one sum must share an ExecutionContext")
        self.terms: tuple[Any, ...] = tuple(flat)
        self.ctx = ctx
        names: dict[str, None] = {}
        for t in flat:
            names.update(dict.fromkeys(t.parameters))
        self.parameters: tuple[str, ...] = tuple(names)
        self._index = [np.array([self.parameters.index(n) for n in t.parameters], dtype=np.intp) for t in flat]

    def __add__(self, other: Any) -> LikelihoodSum:
        return LikelihoodSum([self, other])

    def __radd__(self, other: Any) -> LikelihoodSum:
        if isinstance(other, (int, float)) and other == 0:  # sum([...]) starts at 0
            return self
        return LikelihoodSum([other, self])

    def bootstrap_replica(self, seed: int) -> LikelihoodSum:
        """Each term on its own bootstrap replica (independent seeds derived from ``seed``)."""
        seeds = np.random.SeedSequence([int(seed), 0x5EED]).generate_state(len(self.terms))
        return LikelihoodSum([t.bootstrap_replica(int(s)) for t, s in zip(self.terms, seeds)])

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        """Initial values and bounds by name (merged over the terms; conflicts raise)."""
        specs: dict[str, ParameterSpec] = {}
        for t in self.terms:
            for name, spec in t.parameter_specs().items():
                specs[name] = specs[name].merged(spec) if name in specs else spec
        return specs

    def default_parameters(self) -> dict[str, float]:
        """Each parameter's default (initial value, else 0): what an omitted mapping entry takes."""
        return default_values(self.parameter_specs())

    def value(self, p: ParamVector) -> float:
        """Sum of the terms' values."""
        values = resolve_parameters(p, self.parameters, self.default_parameters)
        return float(sum(t.value(values[idx]) for t, idx in zip(self.terms, self._index)))

    def value_and_gradient(self, p: ParamVector) -> tuple[float, np.ndarray]:
        """Sum of values and of gradients (scattered into this sum's parameter order)."""
        values = resolve_parameters(p, self.parameters, self.default_parameters)
        total, grad = 0.0, np.zeros(len(self.parameters))
        for t, idx in zip(self.terms, self._index):
            v, g = t.value_and_gradient(values[idx])
            total += v
            np.add.at(grad, idx, g)
        return total, grad

    def gradient(self, p: ParamVector) -> np.ndarray:
        """The summed analytic gradient."""
        return self.value_and_gradient(p)[1]

    def _each(self, method: str, names: Any = None) -> None:
        if names is None:
            for t in self.terms:
                if hasattr(t, method):
                    getattr(t, method)()
            return
        with_amplitudes = [t for t in self.terms if hasattr(t, "model")]  # penalties have none
        known = tuple(dict.fromkeys(a for t in with_amplitudes for a in t.model.amplitudes))
        wanted = expand_amplitude_names(names, known)
        for t in with_amplitudes:
            getattr(t, method)(sorted(wanted & set(t.model.amplitudes)))

    def activate(self, names: str | Iterable[str]) -> None:
        """Activate the named amplitudes in every term that has them."""
        self._each("activate", names)

    def deactivate(self, names: str | Iterable[str]) -> None:
        """Deactivate the named amplitudes in every term."""
        self._each("deactivate", names)

    def isolate(self, names: str | Iterable[str]) -> None:
        """Activate only the named amplitudes in every term."""
        self._each("isolate", names)

    def activate_all(self) -> None:
        """Activate every amplitude of every term."""
        self._each("activate_all")

    def __repr__(self) -> str:
        return f"LikelihoodSum({len(self.terms)} terms, parameters={list(self.parameters)})"
