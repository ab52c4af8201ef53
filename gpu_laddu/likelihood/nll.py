"""Unbinned likelihoods: laddu 0.28.1's shape-only NLL and the extended NLL.

With I the model intensity, w the event weights, N_w = Σ_data w and S = Σ_acc w·I:

* ``NLL``:          2·[N_w·ln S − Σ_data w·ln I]
* ``ExtendedNLL``:  2·[S − Σ_data w·ln I]

Values and analytic gradients are reduced on the device by the backend's engine
(:mod:`gpu_laddu.likelihood.engines`); only 2 + n_parameters numbers per dataset cross to
the host (and the network, under MPI) per call.  When the intensity is a Hermitian form in
parameter-dependent coefficients (``normalization="auto"``, the default), the accepted-MC
term comes from precomputed normalisation integrals (:mod:`gpu_laddu.likelihood.integrals`)
at a cost independent of the MC size; otherwise from the event loop.

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

import copy
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.data.stream import ParquetStream
from gpu_laddu.errors import DataError, LikelihoodError, ModelError
from gpu_laddu.likelihood.fitting import FitMethods
from gpu_laddu.likelihood.integrals import NormalizationIntegrals
from gpu_laddu.likelihood.params import default_values, resolve_parameters
from gpu_laddu.likelihood.streamed import StreamedEvaluator, load_streamed

if TYPE_CHECKING:
    from gpu_laddu.data.dataset import Dataset
    from gpu_laddu.ir.expr import ParameterSpec
    from gpu_laddu.likelihood.evaluator import Evaluator
    from gpu_laddu.likelihood.model import Model
    from gpu_laddu.likelihood.terms import LikelihoodSum

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray


def check_finite(value: float, gradient: np.ndarray | None, names: Sequence[str], values: np.ndarray) -> None:
    """Raise :class:`LikelihoodError` when the value or the gradient is not finite (weights so large
    that the sums overflow, or a parameter point where a derivative is undefined).

    >>> check_finite(1.0, np.array([np.inf]), ("a",), np.array([0.0]))
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.LikelihoodError: the likelihood gradient is not finite ([inf]) at parameters {'a': 0.0} ...
    """
    where = dict(zip(names, np.asarray(values).tolist()))
    if not np.isfinite(value):
        raise LikelihoodError(f"the likelihood value is not finite ({value}) at parameters {where}; "
                              "with very large event weights the sums overflow: rescale the weights")
    if gradient is not None and not np.all(np.isfinite(gradient)):
        raise LikelihoodError(f"the likelihood gradient is not finite ({gradient.tolist()}) at parameters {where} "
                              "(a derivative is undefined there, or very large event weights overflow the sums)")


class _LikelihoodTerm(FitMethods):
    """Shared machinery of NLL and ExtendedNLL."""

    def __init__(self, model: Model, data: Dataset | ParquetStream | None = None,
                 accmc: Dataset | ParquetStream | None = None, *, accepted_mc: Dataset | ParquetStream | None = None,
                 normalization: str = "auto", name: str | None = None) -> None:
        if accepted_mc is not None:
            if accmc is not None:
                raise ModelError("give the accepted MC once: as accmc or as accepted_mc=, not both")
            accmc = accepted_mc
        if data is None or accmc is None:
            raise ModelError(f"{type(self).__name__} needs data= and accepted_mc= (or accmc) datasets")
        if name is not None and not isinstance(name, str):
            raise ModelError(f"name must be a string, got {name!r}")
        self.name = name or ("extended_nll" if type(self).__name__ == "ExtendedNLL" else "nll")
        if not hasattr(model, "load"):
            from gpu_laddu.likelihood.model import Model as _Model

            model = _Model(model)  # type: ignore[arg-type]  # an expression: laddu's NLL takes a Model
        data.ctx.check_same(accmc.ctx, "the accepted-MC dataset")
        for what, ds in (("data", data), ("accepted-MC", accmc)):
            if ds.n_events_global == 0:
                raise DataError(f"the {what} set is empty (no events on any rank)")
        if normalization not in ("auto", "events"):
            raise ModelError(f"normalization must be 'auto' or 'events', not {normalization!r}")
        self.ctx = data.ctx
        self.model = model
        self.data_evaluator: Evaluator = (load_streamed(model, data) if isinstance(data, ParquetStream)
                                          else model.load(data))
        self.mc_evaluator: Evaluator | StreamedEvaluator = (
            _streamed(model, accmc) if isinstance(accmc, ParquetStream) else model.load(accmc))
        self.parameters: tuple[str, ...] = self.data_evaluator.parameters
        if isinstance(data, ParquetStream):
            weights = self.data_evaluator.weights
            local = float(self.ctx.xp.sum(weights)) if data.n_events else 0.0
            self.n_data = float(self.ctx.comm.allreduce_sum(np.array([local]))[0])
            self._data_start = data.row_groups[0][1] if data.row_groups else data.n_events_global
        else:
            self.n_data = data.sum_weights
            self._data_start = data.global_start
        self._integrals = NormalizationIntegrals(self.mc_evaluator) if normalization == "auto" else None
        mc_ev = self.mc_evaluator
        if isinstance(mc_ev, StreamedEvaluator) and (self._integrals is None or self._integrals.current() is None):
            mc_ev.validate()  # every row group read and checked before any fit

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

    @property
    def mc_method(self) -> str:
        """How the accepted-MC term is computed for the current activation: "integrals" or "events"."""
        return "events" if self._integrals is None or self._integrals.current() is None else "integrals"

    # -- sums -------------------------------------------------------------------------------
    def _evaluate(self, p: ParamVector, with_gradient: bool) -> tuple[float, np.ndarray]:
        from gpu_laddu.profiling import annotate

        values = resolve_parameters(p, self.parameters, self.default_parameters)
        data = self.data_evaluator.likelihood_sums(values, log=True, with_gradient=with_gradient)
        integrals = None if self._integrals is None else self._integrals.current()
        if integrals is None:
            mc_local = self.mc_evaluator.likelihood_sums(values, log=False, with_gradient=with_gradient)[:-1]
            with annotate("communicate"):
                total = self.ctx.comm.allreduce_sum(np.concatenate([data, mc_local]))
            data, mc_sums = total[: len(data)], total[len(data):]
        else:
            with annotate("communicate"):
                data = self.ctx.comm.allreduce_sum(data)
            mc_sums = integrals.sums(values, with_gradient)  # already global
        data_sums, n_bad = data[:-1], int(data[-1])
        if n_bad:
            raise LikelihoodError(
                f"the intensity is <= 0 or non-finite at {n_bad} data event(s) at parameters "
                f"{dict(zip(self.parameters, values.tolist()))}"
            )
        if not np.all(np.isfinite(mc_sums)):
            what = "intensity sum" if not np.isfinite(mc_sums[0]) else "gradient of the intensity sum"
            raise LikelihoodError(
                f"the accepted-MC {what} is not finite at parameters {dict(zip(self.parameters, values.tolist()))}"
            )
        with np.errstate(all="ignore"):  # overflow (huge weights) is reported by check_finite
            value, grad = self._combine(data_sums, mc_sums, values)
        check_finite(value, grad if with_gradient else None, self.parameters, values)
        return value, grad

    @abstractmethod
    def _combine(self, data: np.ndarray, mc: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
        """Value and gradient from the global data sums and accepted-MC sums."""

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

    def project(self, p: ParamVector, mc: Dataset | None = None, *, normalization: str = "data",
                gather: bool = False) -> Any:
        """Per-MC-event weights w·I·N_w/Σ_acc w·I, or w·I with ``normalization="none"`` (laddu's).

        See :func:`gpu_laddu.likelihood.projection.project`.
        """
        from gpu_laddu.likelihood.projection import project

        return project(self, p, mc, normalization=normalization, gather=gather)

    def project_with(self, p: ParamVector, names: str | Iterable[str], mc: Dataset | None = None, *,
                     normalization: str = "data", gather: bool = False) -> Any:
        """The projection of the named amplitudes only, with the whole model's normalisation."""
        from gpu_laddu.likelihood.projection import project_with

        return project_with(self, p, names, mc, normalization=normalization, gather=gather)

    # -- physics results (gpu_laddu.likelihood.yields) -----------------------------------------
    def intensity_integrals(self, generated_mc: Dataset, names: str | Iterable[str] | None = None) -> Any:
        """Accepted and generated intensity integrals (:class:`~gpu_laddu.likelihood.yields.IntensityIntegrals`)."""
        from gpu_laddu.likelihood.yields import IntensityIntegrals

        return IntensityIntegrals(self, generated_mc, names)

    def yields(self, result: Any, generated_mc: Dataset, waves: Mapping[str, Any] | None = None) -> Any:
        """Fitted yields per wave with errors (:func:`gpu_laddu.likelihood.yields.yields`)."""
        from gpu_laddu.likelihood.yields import yields

        return yields(self, result, generated_mc, waves)

    def cross_section(self, result: Any, generated_mc: Dataset, luminosity: Any,
                      names: str | Iterable[str] | None = None) -> Any:
        """σ = Σ_gen w·I_sel / L from an extended fit (:func:`gpu_laddu.likelihood.yields.cross_section`)."""
        from gpu_laddu.likelihood.yields import cross_section

        return cross_section(self, result, generated_mc, luminosity, names)

    def bootstrap_replica(self, seed: int) -> _LikelihoodTerm:
        """This likelihood with every data weight times an independent Poisson(1) draw.

        The draws depend only on ``seed`` and the global event index (any number of ranks gives
        the same replica); the data cache, the MC evaluator and its integrals are shared.
        """
        from gpu_laddu.data.ops import poisson_factors

        ev = self.data_evaluator
        factors = self.ctx.asarray(poisson_factors(int(seed), self._data_start, ev.n_events))
        replica = copy.copy(self)
        replica.data_evaluator = ev.reweighted(ev.weights * factors)
        local = float(self.ctx.xp.sum(replica.data_evaluator.weights)) if ev.n_events else 0.0
        replica.n_data = float(self.ctx.comm.allreduce_sum(np.array([local]))[0])
        return replica

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        """Initial values and bounds of the free parameters, by name."""
        return {name: self.model.parameter_spec(name) for name in self.parameters}

    def default_parameters(self) -> dict[str, float]:
        """Each free parameter's default (initial value, else 0): what an omitted mapping entry takes."""
        return default_values(self.parameter_specs())

    def __add__(self, other: Any) -> LikelihoodSum:
        """``nll_a + nll_b``: a sum of likelihood terms sharing parameters by name."""
        from gpu_laddu.likelihood.terms import LikelihoodSum

        return LikelihoodSum([self, other])

    def __radd__(self, other: Any) -> Any:
        from gpu_laddu.likelihood.terms import LikelihoodSum

        if isinstance(other, (int, float)) and other == 0:  # sum([...]) starts at 0
            return self
        return LikelihoodSum([other, self])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(parameters={list(self.parameters)}, device={self.ctx.device!r})"


def _streamed(model: Model, stream: ParquetStream) -> StreamedEvaluator:
    return StreamedEvaluator(model, stream)


class NLL(_LikelihoodTerm):
    """laddu 0.28.1's shape-only NLL, 2·[N_w·ln Σ_acc w·I − Σ_data w·ln I].

    Invariant under I → c·I: fix one overall scale (and one phase per incoherent sum).

    Parameters
    ----------
    model : Model
    data : Dataset or ParquetStream
        A :class:`~gpu_laddu.data.stream.ParquetStream` is precomputed row group by row group
        (:func:`~gpu_laddu.likelihood.streamed.load_streamed`): the raw columns of all events are
        never in memory at once.
    accmc : Dataset or ParquetStream
        Accepted Monte Carlo (same context as ``data``).  A
        :class:`~gpu_laddu.data.stream.ParquetStream` is read row group by row group and never
        kept (:mod:`gpu_laddu.likelihood.streamed`): with normalisation integrals, memory
        independent of its size.
    normalization : {"auto", "events"}
        ``auto``: precomputed normalisation integrals when the intensity allows them (same
        values and gradients, MC cost independent of the MC size), else the event loop;
        ``events``: always the event loop.
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

    def _combine(self, data: np.ndarray, mc: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
        return float(2.0 * (mc[0] - data[0])), 2.0 * (mc[1:] - data[1:])


