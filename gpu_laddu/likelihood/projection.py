"""Projections: per-MC-event weights that show the fitted model in any variable.

``project(term, p)`` gives each accepted-MC event the weight w_j·I_j·N_w/Σ_acc w·I, so the
weights sum to the data yield N_w.  ``project_with(term, p, names)`` uses the same
normalisation (the whole model, as currently activated) but the intensity of the named
amplitudes only, so non-interfering waves add up to the total.  With ``mc=`` another sample
(e.g. generated MC) is weighted, still normalised by the accepted MC.  Per-event outputs
are rank-local unless ``gather=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.errors import LikelihoodError
from gpu_laddu.likelihood.params import resolve_parameters
from gpu_laddu.likelihood.reduce import weighted_sums

if TYPE_CHECKING:
    from gpu_laddu.data.dataset import Dataset
    from gpu_laddu.likelihood.evaluator import Evaluator

ParamVector = Sequence[float] | Mapping[str, float] | np.ndarray


def _normalisation(term: Any, values: np.ndarray) -> float:
    ev: Evaluator = term.mc_evaluator
    intensity = ev.intensity_terms(values, with_gradient=False)[0]
    local = weighted_sums(term.ctx.xp, intensity[None, :], ev.weights)
    total = float(term.ctx.comm.allreduce_sum(local)[0])
    if not total > 0:
        raise LikelihoodError(f"the accepted-MC intensity sum is {total}; cannot normalise a projection")
    return total


def _evaluator_for(term: Any, mc: Dataset | None) -> Evaluator:
    if mc is None:
        return term.mc_evaluator
    term.ctx.check_same(mc.ctx, "the projection sample")
    cache: dict[int, tuple[Any, Evaluator]] = term.__dict__.setdefault("_projection_evaluators", {})
    entry = cache.get(id(mc))
    if entry is None or entry[0] is not mc:
        entry = (mc, term.model.load(mc))
        cache[id(mc)] = entry
    return entry[1]


def project(term: Any, p: ParamVector, mc: Dataset | None = None, *, gather: bool = False) -> Any:
    """Per-event projection weights (array of the context's namespace, or host if gathered)."""
    values = resolve_parameters(p, term.parameters, term.default_parameters)
    scale = term.n_data / _normalisation(term, values)
    ev = _evaluator_for(term, mc)
    ev.set_active(term.mc_evaluator.active)
    intensity = ev.intensity_terms(values, with_gradient=False)[0]
    weights = ev.weights * intensity * scale
    return term.ctx.comm.allgatherv(term.ctx.to_numpy(weights)) if gather else weights


def project_with(term: Any, p: ParamVector, names: str | Iterable[str], mc: Dataset | None = None, *,
                 gather: bool = False) -> Any:
    """Projection of the named amplitudes only, with the full model's normalisation.

    The activation of ``term`` is restored afterwards, even when an error is raised.
    """
    values = resolve_parameters(p, term.parameters, term.default_parameters)
    scale = term.n_data / _normalisation(term, values)
    ev = _evaluator_for(term, mc)
    saved = ev.active
    try:
        ev.isolate(names)
        intensity = ev.intensity_terms(values, with_gradient=False)[0]
        weights = ev.weights * intensity * scale
    finally:
        ev.set_active(saved)
    return term.ctx.comm.allgatherv(term.ctx.to_numpy(weights)) if gather else weights
