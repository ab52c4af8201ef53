"""Unbinned likelihoods: laddu 0.28.1's shape-only NLL and the extended NLL.

With I the model intensity, w the event weights, N_w = Σ_data w and S = Σ_acc w·I:

* ``NLL``:          2·[N_w·ln S − Σ_data w·ln I]
* ``ExtendedNLL``:  2·[S − Σ_data w·ln I]

Values and analytic gradients are reduced on the device; only 1 + n_parameters numbers per
term cross to the host (and the network, under MPI) per call.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> data = gl.from_numpy(scalars={"x": np.array([0.5, 1.5])}, ctx=ctx)
>>> mc = gl.from_numpy(scalars={"x": np.array([0.5, 1.0, 1.5])}, ctx=ctx)
>>> a = gl.parameter("a")
>>> nll = gl.NLL(gl.Model((a * 1.0).norm_sqr()), data, mc)
>>> round(nll.value([2.0]), 6)  # shape-only: 2·[2·ln(3·4) − 2·ln 4]
4.394449
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from gpu_laddu.errors import LikelihoodError
from gpu_laddu.likelihood.params import resolve_parameters
from gpu_laddu.likelihood.reduce import weighted_sums

if TYPE_CHECKING:
    from gpu_laddu.data.dataset import Dataset
    from gpu_laddu.likelihood.evaluator import Evaluator
    from gpu_laddu.likelihood.model import Model

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray


class _LikelihoodTerm:
    """Shared machinery of NLL and ExtendedNLL."""

    extended = False

    def __init__(self, model: Model, data: Dataset, accmc: Dataset) -> None:
        data.ctx.check_same(accmc.ctx, "the accepted-MC dataset")
        self.ctx = data.ctx
        self.model = model
        self.data_evaluator: Evaluator = model.load(data)
        self.mc_evaluator: Evaluator = model.load(accmc)
        self.parameters: tuple[str, ...] = self.data_evaluator.parameters
        self.n_data = data.sum_weights
        self.n_mc_events = accmc.n_events_global

    # -- activation (forwarded to data and MC) ---------------------------------------------
    def activate(self, names: str | Iterable[str]) -> None:
        """Activate the named amplitudes."""
        self.data_evaluator.activate(names)
        self.mc_evaluator.activate(names)

    def deactivate(self, names: str | Iterable[str]) -> None:
        """Deactivate the named amplitudes."""
        self.data_evaluator.deactivate(names)
        self.mc_evaluator.deactivate(names)

    def isolate(self, names: str | Iterable[str]) -> None:
        """Activate only the named amplitudes."""
        self.data_evaluator.isolate(names)
        self.mc_evaluator.isolate(names)

    def activate_all(self) -> None:
        """Activate every amplitude."""
        self.data_evaluator.activate_all()
        self.mc_evaluator.activate_all()

    # -- sums -------------------------------------------------------------------------------
    def _data_sums(self, values: np.ndarray, with_gradient: bool) -> np.ndarray:
        """Local [Σ w ln I, Σ w ∂I/I ..., n_bad] over this rank's data events."""
        ev = self.data_evaluator
        xp = self.ctx.xp
        terms = ev.intensity_terms(values, with_gradient)
        intensity = terms[0]
        ok = (intensity > 0) & xp.isfinite(intensity)
        n_bad = int(ev.n_events - int(xp.count_nonzero(ok)))
        if n_bad:
            return np.concatenate([np.zeros(1 + len(terms) - 1), [float(n_bad)]])
        rows = xp.empty((len(terms), ev.n_events), dtype=np.float64)
        rows[0] = xp.log(intensity)
        for k, g in enumerate(terms[1:], start=1):
            rows[k] = g / intensity
        return np.concatenate([weighted_sums(xp, rows, ev.weights), [0.0]])

    def _mc_sums(self, values: np.ndarray, with_gradient: bool) -> np.ndarray:
        """Local [Σ_acc w I, Σ_acc w ∂I ...] over this rank's accepted-MC events."""
        ev = self.mc_evaluator
        xp = self.ctx.xp
        terms = ev.intensity_terms(values, with_gradient)
        rows = xp.stack(terms) if len(terms) > 1 else terms[0][None, :]
        return weighted_sums(xp, rows, ev.weights)

    def _evaluate(self, p: ParamVector, with_gradient: bool) -> tuple[float, np.ndarray]:
        from gpu_laddu.profiling import annotate

        values = resolve_parameters(p, self.parameters)
        data = self._data_sums(values, with_gradient)
        mc = self._mc_sums(values, with_gradient)
        with annotate("communicate"):
            total = self.ctx.comm.allreduce_sum(np.concatenate([data, mc]))
        k = len(data) - 1
        data_sums, n_bad, mc_sums = total[:k], int(total[k]), total[k + 1:]
        if n_bad:
            raise LikelihoodError(
                f"the intensity is <= 0 or non-finite at {n_bad} data event(s) at parameters "
                f"{dict(zip(self.parameters, values.tolist()))}"
            )
        if not np.all(np.isfinite(mc_sums)):
            raise LikelihoodError(
                "the accepted-MC intensity sum is non-finite at parameters "
                f"{dict(zip(self.parameters, values.tolist()))}"
            )
        return self._combine(data_sums, mc_sums, values)

    def _combine(self, data: np.ndarray, mc: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    # -- public -----------------------------------------------------------------------------
    def value(self, p: ParamVector) -> float:
        """The likelihood value at ``p`` (sequence in :attr:`parameters` order, or mapping)."""
        return self._evaluate(p, with_gradient=False)[0]

    def value_and_gradient(self, p: ParamVector) -> tuple[float, np.ndarray]:
        """The value and its analytic gradient (numpy float64 vector in parameter order)."""
        return self._evaluate(p, with_gradient=True)

    def gradient(self, p: ParamVector) -> np.ndarray:
        """The analytic gradient."""
        return self._evaluate(p, with_gradient=True)[1]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(parameters={list(self.parameters)}, device={self.ctx.device!r})"


class NLL(_LikelihoodTerm):
    """laddu 0.28.1's shape-only NLL, 2·[N_w·ln Σ_acc w·I − Σ_data w·ln I].

    Invariant under I → c·I: fix one overall scale (and one phase per incoherent sum).

    Parameters
    ----------
    model : Model
    data : Dataset
    accmc : Dataset
        Accepted Monte Carlo (same context as ``data``).
    """

    def _combine(self, data: np.ndarray, mc: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
        s = mc[0]
        if not s > 0:
            raise LikelihoodError(
                f"the accepted-MC intensity sum is {s} (must be > 0) at parameters "
                f"{dict(zip(self.parameters, values.tolist()))}"
            )
        value = 2.0 * (self.n_data * np.log(s) - data[0])
        grad = 2.0 * (self.n_data * mc[1:] / s - data[1:])
        return float(value), grad


class ExtendedNLL(_LikelihoodTerm):
    """The extended NLL, 2·[Σ_acc w·I − Σ_data w·ln I] (MC weights in expected-event units)."""

    extended = True

    def _combine(self, data: np.ndarray, mc: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
        return float(2.0 * (mc[0] - data[0])), 2.0 * (mc[1:] - data[1:])


