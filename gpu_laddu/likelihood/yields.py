"""Physics results out of a fit: intensity integrals, yields per wave, acceptance, cross sections.

Definitions (laddu 0.28.1's ``IntensityIntegrals``, ``Yield`` and ``CrossSection``), with I_sel
the intensity of the selected amplitudes (``names``; the whole model as activated when None):

* accepted integral   A_sel = Σ_acc w·I_sel   (the accepted MC of the likelihood term)
* generated integral  G_sel = Σ_gen w·I_sel   (generated MC: the sample before detector and
  selection, of which the accepted MC is the part that passed, with the same weights)
* observed yield      N_w = Σ_data w
* ``ExtendedNLL`` (absolute rate): accepted fitted yield A_sel, generated (acceptance-corrected)
  fitted yield G_sel; fitted acceptance A/G; cross section σ = G_sel/L.
* ``NLL`` (shape only; laddu refuses yields there): the same scaled to the data,
  N_w·A_sel/A and N_w·G_sel/A with A the whole model's accepted integral.

Uncertainties come from the fit covariance C through the analytic gradient of the integrals
(the normalisation-integral matrices of :mod:`gpu_laddu.likelihood.integrals`, or the event
loop when the model is not a Hermitian form): σ² = J·C·Jᵀ.  Only the parameters' covariance
enters (for a shape-only NLL the Poisson fluctuation of N_w is not included; fit an
``ExtendedNLL`` for yields); a cross section also carries the luminosity's relative
uncertainty, reported separately.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> data = gl.from_numpy(scalars={"x": np.ones(8)}, ctx=ctx)
>>> gen = gl.from_numpy(scalars={"x": np.ones(4)}, weights=np.full(4, 0.5), ctx=ctx)
>>> acc = gl.from_numpy(scalars={"x": np.ones(2)}, weights=np.full(2, 0.5), ctx=ctx)   # half accepted
>>> a = gl.parameter("a", initial=1.0, bounds=(0.0, 10.0))
>>> nll = gl.ExtendedNLL(gl.Model(gl.Scalar("A", a).norm_sqr()), data, acc)
>>> result = nll.fit(progress=False)                    # a² = 8: the accepted yield is the data
>>> y = nll.yields(result, gen)["total"]
>>> round(y.accepted.value, 2), round(y.generated.value, 2), round(y.acceptance.value, 6)
(8.0, 16.0, 0.5)
>>> round(y.accepted.error, 2)                          # √8: the Poisson error of the yield
2.83
>>> xs = nll.cross_section(result, gen, gl.Luminosity(4.0, "pb^-1", relative_uncertainty=0.1))
>>> round(xs.value, 2), xs.unit, round(xs.lumi_error, 2)
(4.0, 'pb', 0.4)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.errors import ModelError, ParameterError
from gpu_laddu.likelihood.params import resolve_parameters

if TYPE_CHECKING:
    from gpu_laddu.data.dataset import Dataset
    from gpu_laddu.likelihood.evaluator import Evaluator

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray
Names = str | Iterable[str] | None

AREA_UNITS = {"b": 1.0, "mb": 1e-3, "ub": 1e-6, "nb": 1e-9, "pb": 1e-12, "fb": 1e-15}
"""Area units (barn prefixes) and their size in barn; a luminosity is in their inverse."""


def _area_unit(unit: Any, what: str) -> str:
    """``"pb"`` from ``"pb^-1"``, ``"pb-1"``, ``"/pb"`` or ``"pb"``; ParameterError otherwise."""
    if not isinstance(unit, str) or not unit.strip():
        raise ParameterError(f"{what}: a unit is required, one of {[u + '^-1' for u in AREA_UNITS]}; got {unit!r}")
    text = unit.strip().replace("μ", "u").replace("µ", "u")
    for suffix in ("^-1", "-1", "⁻¹"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    text = text.removeprefix("/")
    if text not in AREA_UNITS:
        raise ParameterError(f"{what}: unknown unit {unit!r}; use one of {[u + '^-1' for u in AREA_UNITS]}")
    return text


@dataclass(frozen=True)
class Luminosity:
    """An integrated luminosity: a positive value in an inverse-area unit, with a relative uncertainty.

    Parameters
    ----------
    value : float
        > 0 and finite.
    unit : str
        ``"b^-1"``, ``"mb^-1"``, ``"ub^-1"``, ``"nb^-1"``, ``"pb^-1"`` or ``"fb^-1"`` (also
        written ``"pb-1"`` or ``"/pb"``).  Required.
    relative_uncertainty : float
        ≥ 0 (e.g. 0.05 for 5 %).

    Examples
    --------
    >>> lumi = Luminosity(10.0, "pb^-1", relative_uncertainty=0.05)
    >>> lumi.to_unit("nb^-1").value        # 10 pb⁻¹ = 10⁴ nb⁻¹ (laddu's to_unit agrees)
    10000.0
    """

    value: float
    unit: str
    relative_uncertainty: float = 0.0

    def __post_init__(self) -> None:
        try:
            value = float(self.value)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"Luminosity: value must be a number, got {self.value!r}") from exc
        if not (math.isfinite(value) and value > 0.0):
            raise ParameterError(f"Luminosity: value must be finite and > 0, got {self.value!r}")
        rel = float(self.relative_uncertainty)
        if not (math.isfinite(rel) and rel >= 0.0):
            raise ParameterError(f"Luminosity: relative_uncertainty must be finite and >= 0, got {rel!r}")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "unit", _area_unit(self.unit, "Luminosity") + "^-1")
        object.__setattr__(self, "relative_uncertainty", rel)

    @property
    def area_unit(self) -> str:
        """The area unit of cross sections measured with it (``"pb"`` for ``"pb^-1"``)."""
        return self.unit[:-3]

    def to_unit(self, unit: str) -> Luminosity:
        """The same luminosity in another inverse-area unit."""
        target = _area_unit(unit, "Luminosity.to_unit")
        value = self.value * AREA_UNITS[target] / AREA_UNITS[self.area_unit]
        return Luminosity(value, target + "^-1", self.relative_uncertainty)


@dataclass(frozen=True)
class Estimate:
    """A value with its standard error (NaN where the fit has no covariance).

    >>> str(Estimate(12.5, 0.25))
    '12.5 ± 0.25'
    """

    value: float
    error: float

    def __str__(self) -> str:
        return f"{self.value:.6g} ± {self.error:.3g}"


class IntensityIntegrals:
    """Accepted and generated intensity integrals of one likelihood term (laddu's ``IntensityIntegrals``).

    Parameters
    ----------
    term : NLL or ExtendedNLL
    generated_mc : Dataset
        Generated MC on the term's context.
    names : str or iterable of str, optional
        Amplitudes to keep (glob patterns allowed); the whole model as activated when None.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    >>> ds = gl.from_numpy(scalars={"x": np.ones(3)}, ctx=ctx)
    >>> a = gl.parameter("a")
    >>> nll = gl.ExtendedNLL(gl.Model(gl.Scalar("A", a).norm_sqr()), ds, ds)
    >>> ii = nll.intensity_integrals(ds)
    >>> ii.accepted_integral([2.0]), ii.generated_integral_and_gradient([2.0])[1].tolist()
    (12.0, [12.0])
    """

    def __init__(self, term: Any, generated_mc: Dataset, names: Names = None) -> None:
        self.term = term
        self.names = None if names is None else sorted(term.mc_evaluator._names(names))
        self.generated_evaluator = _evaluator(term, generated_mc)
        self.data_weight_sum = float(term.n_data)

    def _values(self, p: ParamVector) -> np.ndarray:
        return resolve_parameters(p, self.term.parameters, self.term.default_parameters)

    def accepted_integral_and_gradient(self, p: ParamVector) -> tuple[float, np.ndarray]:
        """Σ_acc w·I_sel and its gradient (in the term's parameter order)."""
        out = _sums(self.term, self.term.mc_evaluator, self._values(p), self.names)
        return float(out[0]), out[1:]

    def generated_integral_and_gradient(self, p: ParamVector) -> tuple[float, np.ndarray]:
        """Σ_gen w·I_sel and its gradient."""
        out = _sums(self.term, self.generated_evaluator, self._values(p), self.names)
        return float(out[0]), out[1:]

    def accepted_integral(self, p: ParamVector) -> float:
        """Σ_acc w·I_sel."""
        return self.accepted_integral_and_gradient(p)[0]

    def generated_integral(self, p: ParamVector) -> float:
        """Σ_gen w·I_sel."""
        return self.generated_integral_and_gradient(p)[0]


def _evaluator(term: Any, mc: Dataset) -> Evaluator:
    from gpu_laddu.likelihood.projection import _evaluator_for

    return _evaluator_for(term, mc)


def _sums(term: Any, ev: Any, values: np.ndarray, names: list[str] | None) -> np.ndarray:
    """Global ``[Σ w·I_sel, Σ w·∂I_sel ...]`` on ``ev`` (integrals when they apply, else the event loop)."""
    from gpu_laddu.likelihood.integrals import NormalizationIntegrals

    saved = ev.active
    try:
        ev.set_active(term.mc_evaluator.active)
        if names is not None:
            ev.isolate(names)
        if ev is term.mc_evaluator and getattr(term, "_integrals", None) is not None:
            cache = term._integrals
        else:
            store: dict[int, tuple[Any, Any]] = term.__dict__.setdefault("_yield_integrals", {})
            entry = store.get(id(ev))
            if entry is None or entry[0] is not ev:
                entry = (ev, NormalizationIntegrals(ev))
                store[id(ev)] = entry
            cache = entry[1]
        integrals = cache.current()
        if integrals is not None:
            out = np.asarray(integrals.sums(values, True), dtype=np.float64)
        else:
            local = ev.likelihood_sums(values, log=False, with_gradient=True)[:-1]
            out = np.asarray(term.ctx.comm.allreduce_sum(local), dtype=np.float64)
    finally:
        ev.set_active(saved)
    return out


def _fit_point(term: Any, result: Any) -> tuple[np.ndarray, np.ndarray]:
    """The term's parameter vector at ``result`` and the covariance in the term's order."""
    names = tuple(term.parameters)
    have = tuple(result.parameters)
    missing = [n for n in names if n not in have]
    if missing:
        raise ParameterError(f"the fit result has no value for parameter(s) {missing} of this likelihood term")
    idx = np.array([have.index(n) for n in names], dtype=np.intp)
    covariance = np.asarray(result.covariance, dtype=np.float64)[np.ix_(idx, idx)]
    return np.asarray(result.x, dtype=np.float64)[idx], covariance


def _error(jacobian: np.ndarray, covariance: np.ndarray) -> float:
    var = float(jacobian @ covariance @ jacobian)
    return math.sqrt(var) if var >= 0 else math.nan


@dataclass(frozen=True)
class Yield:
    """Fitted yields of one wave (a selection of amplitudes).

    Attributes
    ----------
    wave : str
        The label given.
    amplitudes : tuple of str
        The amplitudes kept.
    accepted : Estimate
        Fitted yield in the detector (Σ_acc w·I_sel; scaled to the data for a shape-only NLL).
    generated : Estimate
        Acceptance-corrected fitted yield (Σ_gen w·I_sel; likewise scaled).
    acceptance : Estimate
        accepted / generated of this wave.
    absolute : bool
        True for an ``ExtendedNLL`` (absolute rate), False when scaled to the data yield.
    """

    wave: str
    amplitudes: tuple[str, ...]
    accepted: Estimate
    generated: Estimate
    acceptance: Estimate
    absolute: bool


def yields(term: Any, result: Any, generated_mc: Dataset,
           waves: Mapping[str, str | Iterable[str]] | None = None) -> dict[str, Yield]:
    """Fitted yields per wave at ``result``, with errors from its covariance.

    Parameters
    ----------
    term : NLL or ExtendedNLL
    result : FitResult
        A fit of ``term`` (or of a sum containing it: its values and covariance are used).
    generated_mc : Dataset
    waves : mapping of label to amplitude names (glob patterns allowed), optional
        Default: ``{"total": all amplitudes as activated}``.
    """
    from gpu_laddu.likelihood.nll import ExtendedNLL

    labels: dict[str, list[str] | None] = {"total": None} if waves is None else {
        str(k): sorted(term.mc_evaluator._names(v)) for k, v in waves.items()}
    values, cov = _fit_point(term, result)
    absolute = isinstance(term, ExtendedNLL)
    a_tot, ga_tot = (0.0, np.zeros(0))
    if not absolute:
        out = _sums(term, term.mc_evaluator, values, None)
        a_tot, ga_tot = float(out[0]), out[1:]
    gen = _evaluator(term, generated_mc)
    table: dict[str, Yield] = {}
    for label, names in labels.items():
        acc_out = _sums(term, term.mc_evaluator, values, names)
        gen_out = _sums(term, gen, values, names)
        a, ga, g, gg = float(acc_out[0]), acc_out[1:], float(gen_out[0]), gen_out[1:]
        if absolute:
            acc_v, acc_j, gen_v, gen_j = a, ga, g, gg
        else:  # scaled to the data: N·X/A_tot
            n = float(term.n_data)
            acc_v, acc_j = n * a / a_tot, n * (ga / a_tot - a * ga_tot / a_tot**2)
            gen_v, gen_j = n * g / a_tot, n * (gg / a_tot - g * ga_tot / a_tot**2)
        eff = a / g if g != 0 else math.nan
        eff_j = (ga / g - a * gg / g**2) if g != 0 else np.full_like(ga, math.nan)
        shown = tuple(names) if names is not None else tuple(sorted(term.mc_evaluator.active))
        table[label] = Yield(label, shown, Estimate(acc_v, _error(acc_j, cov)), Estimate(gen_v, _error(gen_j, cov)),
                             Estimate(eff, _error(eff_j, cov)), absolute)
    return table


@dataclass(frozen=True)
class CrossSection:
    """σ = G_sel / L: the fitted generated-MC intensity over the luminosity (an ``ExtendedNLL`` fit).

    Attributes
    ----------
    value : float
        In :attr:`unit` (the luminosity's area unit).
    stat_error : float
        From the fit covariance (analytic Jacobian of G_sel).
    lumi_error : float
        ``value × luminosity.relative_uncertainty``.
    unit : str
    generated_integral, accepted_integral, data_yield : float
    luminosity : Luminosity
    """

    value: float
    stat_error: float
    lumi_error: float
    unit: str
    generated_integral: float
    accepted_integral: float
    data_yield: float
    luminosity: Luminosity

    @property
    def error(self) -> float:
        """Total error: statistical and luminosity in quadrature."""
        return math.hypot(self.stat_error, self.lumi_error)

    def __str__(self) -> str:
        return (f"{self.value:.6g} ± {self.stat_error:.3g} (fit) ± {self.lumi_error:.3g} (lumi) {self.unit}")


def cross_section(term: Any, result: Any, generated_mc: Dataset, luminosity: Luminosity,
                  names: Names = None) -> CrossSection:
    """The cross section of the selected amplitudes (all when None) from an extended fit.

    Raises :class:`ModelError` for a shape-only ``NLL`` (no absolute rate) and
    :class:`ParameterError` when ``luminosity`` is not a :class:`Luminosity`.
    """
    from gpu_laddu.likelihood.nll import ExtendedNLL

    if not isinstance(luminosity, Luminosity):
        raise ParameterError(f"luminosity must be a gl.Luminosity(value, unit), got {luminosity!r}")
    if not isinstance(term, ExtendedNLL):
        raise ModelError("a cross section needs an absolute rate: fit an ExtendedNLL (the shape-only NLL "
                         "does not determine the yield)")
    selected = None if names is None else sorted(term.mc_evaluator._names(names))
    values, cov = _fit_point(term, result)
    gen_out = _sums(term, _evaluator(term, generated_mc), values, selected)
    acc_out = _sums(term, term.mc_evaluator, values, selected)
    g, gg = float(gen_out[0]), gen_out[1:]
    value = g / luminosity.value
    return CrossSection(value, _error(gg, cov) / luminosity.value, value * luminosity.relative_uncertainty,
                        luminosity.area_unit, g, float(acc_out[0]), float(term.n_data), luminosity)
