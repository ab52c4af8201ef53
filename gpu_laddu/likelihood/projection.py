"""Projections: per-MC-event weights that show the fitted model in any variable.

``project(term, p)`` gives each accepted-MC event the weight w_j·I_j·N_w/Σ_acc w·I, so the
weights sum to the data yield N_w (``normalization="data"``, the default).
``normalization="none"`` gives laddu 0.28.1's ``LikelihoodProjection.weights``: plain
w_j·I_j on the sample given.  ``project_with(term, p, names)`` uses the same normalisation
(the whole model, as currently activated) but the intensity of the named amplitudes only.
With ``mc=`` another sample is weighted, still normalised by the accepted MC: on *generated*
MC (of which the accepted MC is the part that passed the detector, with the same weights)
the ``"data"`` weights are the acceptance-corrected prediction, summing to
N_w·Σ_gen w·I/Σ_acc w·I (the corrected yield of :mod:`gpu_laddu.likelihood.yields`).
Per-event outputs are rank-local unless ``gather=True``.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> data = gl.from_numpy(scalars={"x": np.ones(6)}, ctx=ctx)
>>> mc = gl.from_numpy(scalars={"x": np.ones(3)}, ctx=ctx)
>>> a = gl.parameter("a")
>>> nll = gl.NLL(gl.Model((a * 1.0).norm_sqr()), data, mc)
>>> nll.project([2.0]).tolist()                        # sums to the 6 data events
[2.0, 2.0, 2.0]
>>> nll.project([2.0], normalization="none").tolist()  # laddu's w·I
[4.0, 4.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.errors import LikelihoodError, ModelError
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


NORMALIZATIONS = ("data", "none")


def _check_normalization(normalization: str) -> None:
    if normalization not in NORMALIZATIONS:
        raise ModelError(f"normalization must be 'data' (weights sum to the data yield) or 'none' "
                         f"(laddu's w·I), not {normalization!r}")


def _scale(term: Any, values: np.ndarray, normalization: str) -> float:
    return term.n_data / _normalisation(term, values) if normalization == "data" else 1.0


def project(term: Any, p: ParamVector, mc: Dataset | None = None, *, normalization: str = "data",
            gather: bool = False) -> Any:
    """Per-event projection weights (array of the context's namespace, or host if gathered).

    ``normalization="data"``: w·I·N_w/Σ_acc w·I; ``"none"``: w·I (laddu 0.28.1's weights).
    """
    _check_normalization(normalization)
    values = resolve_parameters(p, term.parameters, term.default_parameters)
    scale = _scale(term, values, normalization)
    ev = _evaluator_for(term, mc)
    ev.set_active(term.mc_evaluator.active)
    intensity = ev.intensity_terms(values, with_gradient=False)[0]
    weights = ev.weights * intensity * scale
    return term.ctx.comm.allgatherv(term.ctx.to_numpy(weights)) if gather else weights


def project_with(term: Any, p: ParamVector, names: str | Iterable[str], mc: Dataset | None = None, *,
                 normalization: str = "data", gather: bool = False) -> Any:
    """Projection of the named amplitudes (glob patterns allowed) only, with the full model's normalisation.

    The activation of ``term`` is restored afterwards, even when an error is raised.
    """
    _check_normalization(normalization)
    values = resolve_parameters(p, term.parameters, term.default_parameters)
    scale = _scale(term, values, normalization)
    ev = _evaluator_for(term, mc)
    saved = ev.active
    try:
        ev.isolate(names)
        intensity = ev.intensity_terms(values, with_gradient=False)[0]
        weights = ev.weights * intensity * scale
    finally:
        ev.set_active(saved)
    return term.ctx.comm.allgatherv(term.ctx.to_numpy(weights)) if gather else weights
