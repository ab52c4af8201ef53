"""Events distributed by a model's intensity: accept/reject of phase-space candidates.

Candidates come from a seeded generator (by default :func:`generate_kskp`); their intensity
is evaluated on the context's device with the model's evaluator, and a candidate is kept
when ``u·I_max < I``.  Like the phase-space generator, the sample is made in fixed global
blocks (block ``b`` seeded by ``SeedSequence([seed, 7, b])``), so event ``i`` is the same
whatever the number of MPI ranks; each rank makes only the blocks of its own share.

Examples
--------
>>> import gpu_laddu as gl
>>> from gpu_laddu.canonical import bw_zlm_model
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> cm = bw_zlm_model()
>>> ds = generate_by_model(cm.model, cm.truth, 500, seed=3, ctx=ctx, block_size=256)
>>> ds.n_events
500
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.dataset import Dataset, build_dataset
from gpu_laddu.data.ops import check_seed
from gpu_laddu.distributed.comm import partition
from gpu_laddu.errors import DataError, LikelihoodError
from gpu_laddu.generate.phase_space import generate_kskp
from gpu_laddu.likelihood.model import Model

CandidateSource = Callable[..., Dataset]
_STREAM = 7


def _private_context(ctx: ExecutionContext) -> ExecutionContext:
    """Same device and backend as ``ctx`` but one process: candidates are per block, not per rank."""
    device = "cpu" if ctx.device == "cpu" else ctx.device
    return ExecutionContext(device=device, backend=ctx.backend, precision="f64", threads=ctx.threads, comm="none")


def _intensity(model: Model, params: Any, ds: Dataset) -> np.ndarray:
    values = ds.ctx.to_numpy(model.load(ds, gradient=False).evaluate(params)).real
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise LikelihoodError("the model intensity is negative or non-finite at some candidate events")
    return values


def _host_columns(ds: Dataset) -> dict[str, np.ndarray]:
    return {k: ds.ctx.to_numpy(v) for k, v in ds.columns().items()}


@dataclass(frozen=True)
class Envelope:
    """Upper bound of the intensity: a constant, or a step function of a cheap variable.

    With a variable (e.g. the resonance mass), candidates are first thinned by E(v)/E_max,
    which costs nothing but the variable, and only survivors get the (expensive) intensity
    and the second test u·E(v) < I: the accepted events follow I exactly, and far fewer
    intensities are evaluated when I is peaked in v.
    """

    maxima: np.ndarray
    edges: np.ndarray | None = None
    variable: Any = None

    @classmethod
    def from_pilot(cls, intensity: np.ndarray, values: np.ndarray | None, variable: Any, bins: int,
                   safety: float) -> Envelope:
        """Safety × the pilot maximum (per bin of ``values`` when a variable is given)."""
        global_max = safety * float(intensity.max())
        if not global_max > 0:
            raise LikelihoodError("the model intensity is zero on every pilot candidate")
        if variable is None or values is None:
            return cls(np.array([global_max]))
        edges = np.quantile(values, np.linspace(0.0, 1.0, bins + 1))
        edges[0], edges[-1] = -np.inf, np.inf
        index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
        maxima = np.full(bins, global_max)
        for b in range(bins):
            sel = index == b
            if sel.sum() >= 50:  # too few pilot events: keep the global bound
                maxima[b] = safety * float(intensity[sel].max())
        return cls(maxima, edges, variable)

    def __call__(self, ds: Dataset | None, n: int) -> np.ndarray:
        """The bound for each of the ``n`` candidate events of ``ds``."""
        if self.edges is None or ds is None:
            return np.full(n, self.maxima[0])
        values = ds.ctx.to_numpy(self.variable.value(ds))
        index = np.clip(np.searchsorted(self.edges, values, side="right") - 1, 0, len(self.maxima) - 1)
        return self.maxima[index]


def generate_by_model(
    model: Model,
    parameters: Sequence[float] | Mapping[str, float],
    n_events: int,
    *,
    seed: int = 0,
    ctx: ExecutionContext | None = None,
    candidates: CandidateSource = generate_kskp,
    candidate_kwargs: Mapping[str, Any] | None = None,
    envelope_variable: Any = None,
    envelope_bins: int = 40,
    block_size: int = 2**14,
    pilot_events: int = 40000,
    safety: float = 1.5,
) -> Dataset:
    """``n_events`` events (over all ranks) distributed by ``model``'s intensity at ``parameters``.

    Parameters
    ----------
    model : Model
        Its value per event is the (real, non-negative) intensity.
    parameters : sequence or mapping
        Values of ``model.parameters``.
    n_events : int
    seed : int
    ctx : ExecutionContext, optional
        Where the intensity is evaluated and where the result lives.
    candidates : callable
        ``candidates(n, seed=, stream=, ctx=, **candidate_kwargs)`` → phase-space Dataset.
    envelope_variable : Variable, optional
        A cheap variable in which the intensity is peaked (e.g. ``gl.Mass([...])``): the bound
        becomes a step function of it (see :class:`Envelope`), which saves most intensity
        evaluations for peaked models.  The sample is exact either way.
    envelope_bins : int
        Steps of that function (equal-population bins of the pilot sample).
    block_size : int
        Accepted events per seeded block.
    pilot_events : int
        Candidates (from a fixed seed) used to estimate the intensity maximum.
    safety : float
        Bound = safety × the pilot maximum; a warning reports candidates above it.
    """
    ctx = resolve_context(ctx)
    if isinstance(n_events, bool) or not isinstance(n_events, (int, np.integer)) or n_events < 1:
        raise DataError(f"n_events must be a positive integer, got {n_events!r}")
    seed = check_seed(seed, "generate_by_model")
    kwargs = dict(candidate_kwargs or {})
    private = _private_context(ctx)
    try:
        pilot = candidates(pilot_events, seed=seed, stream=_STREAM + 1, ctx=private, **kwargs)
        values = None if envelope_variable is None else private.to_numpy(envelope_variable.value(pilot))
        envelope = Envelope.from_pilot(_intensity(model, parameters, pilot), values, envelope_variable,
                                       envelope_bins, safety)
        start, stop = partition(int(n_events), ctx.rank, ctx.size)
        parts: list[dict[str, np.ndarray]] = []
        n_over = 0
        for block in range(start // block_size, -(-stop // block_size)):
            lo, hi = block * block_size, min((block + 1) * block_size, int(n_events))
            cols, over = _block(model, parameters, candidates, kwargs, private, seed, block, hi - lo, envelope)
            n_over += over
            cut_lo, cut_hi = max(start - lo, 0), min(stop, hi) - lo
            parts.append({k: v[cut_lo:cut_hi] for k, v in cols.items()})
    finally:
        private.close()
    if n_over:
        warnings.warn(f"{n_over} candidate(s) exceeded the estimated intensity bound; "
                      "raise `safety` for an unbiased sample", RuntimeWarning, stacklevel=2)
    return _assemble(ctx, parts, pilot, n_events)


def _block(model: Model, parameters: Any, candidates: CandidateSource, kwargs: dict[str, Any],
           ctx: ExecutionContext, seed: int, block: int, quota: int, envelope: Envelope
           ) -> tuple[dict[str, np.ndarray], int]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM, block]))
    kept: list[dict[str, np.ndarray]] = []
    n_kept = n_over = 0
    attempt = 0
    e_max = float(envelope.maxima.max())
    while n_kept < quota:
        sub_seed = int(rng.integers(2**62))
        cand = candidates(max(4 * quota, 1024), seed=sub_seed, stream=attempt, ctx=ctx, **kwargs)
        bound = envelope(cand, cand.n_events)
        thin = rng.random(cand.n_events) * e_max < bound  # cheap first stage
        survivors = cand.select(thin) if not thin.all() else cand
        bound = bound[thin]
        intensity = _intensity(model, parameters, survivors) if survivors.n_events else np.empty(0)
        n_over += int((intensity > bound).sum())
        accept = rng.random(intensity.shape[0]) * bound < intensity
        cols = _host_columns(survivors)
        kept.append({k: v[accept] for k, v in cols.items()})
        n_kept += int(accept.sum())
        attempt += 1
    return {k: np.concatenate([p[k] for p in kept])[:quota] for k in kept[0]}, n_over


def _assemble(ctx: ExecutionContext, parts: list[dict[str, np.ndarray]], template: Dataset, n_global: int
              ) -> Dataset:
    keys = list(_host_columns(template)) if not parts else list(parts[0])
    cols = {k: np.concatenate([p[k] for p in parts]) if parts else np.empty(0) for k in keys}
    p4s = {name: tuple(cols.pop(f"{name}_{s}") for s in ("e", "px", "py", "pz")) for name in template.p4_names}
    weights = cols.pop("weight", None)
    return build_dataset(ctx, p4s, cols, weights, source="generate_by_model", n_events_global=n_global)
