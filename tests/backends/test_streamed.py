"""Datasets whose cache exceeds the memory budget are processed in chunks, transparently: the
same likelihood values, gradients, per-event values and projections as a resident cache, on
every backend (the GPU streams chunks through double buffers, the CPU backends use views).

On a GPU the budget is the pool's hard limit, and these tight budgets leave no room for
whole-dataset outputs: there the per-event checks are tests/gpu's, at a size that has room."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model
from gpu_laddu.generate import generate_kskp, generate_kskp_mc
from tests.codegen.models import MODELS, datasets

N_DATA, N_MC = 6000, 10_000
EXTRA = 400_000  # budget bytes for caches: bw_zlm's data cache (480 kB) does not fit


def _close(a, b, tol):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b)), (a, b)


def _samples(ctx):
    return (generate_kskp(N_DATA, seed=3, pol_angle=0.4, ctx=ctx),
            generate_kskp_mc(N_MC, seed=4, pol_angle=0.4, ctx=ctx))


def _load(ctx, kind):
    return _samples(ctx) if kind == "kskp" else datasets(ctx, N_DATA, N_MC)


def _context(backend, budget, kind="kskp"):
    device = "cuda" if backend == "cupy" else "cpu"
    if budget is not None and backend == "cupy":  # the GPU pool holds the raw columns too: add what they take
        probe = gl.ExecutionContext(device=device, backend=backend)
        samples = _load(probe, kind)
        budget += probe.memory.used
        del samples
        probe.close()
    return gl.ExecutionContext(device=device, backend=backend, memory_budget=budget)


@pytest.mark.parametrize("cls", [gl.NLL, gl.ExtendedNLL])
def test_streamed_likelihood_matches_resident(backend, cls):
    cm = bw_zlm_model()
    results = {}
    for budget in (None, EXTRA):
        ctx = _context(backend, budget)
        nll = cls(cm.model, *_samples(ctx), normalization="events")
        per_event = () if backend == "cupy" else (
            nll.data_evaluator.evaluate(cm.start), nll.mc_evaluator.evaluate_gradient(cm.start), nll.project(cm.start))
        results[budget] = (nll.value_and_gradient(cm.start), nll.data_evaluator.chunk_plan,
                           nll.mc_evaluator.chunk_plan, per_event)
        ctx.close()
    resident, streamed = results[None], results[EXTRA]
    assert not resident[1].streamed and not resident[2].streamed
    assert streamed[1].streamed and streamed[1].n_chunks >= 3 and streamed[2].streamed
    _close(streamed[0][0], resident[0][0], 1e-12)
    _close(streamed[0][1], resident[0][1], 1e-12)
    for got, want in zip(streamed[3], resident[3]):  # per-event values, gradients, projection weights
        _close(got, want, 1e-13)


def test_normalisation_integrals_over_a_streamed_mc_sample(backend):
    model, p = MODELS["kmatrix_like"]()
    values = []
    for budget in (None, EXTRA):
        ctx = _context(backend, budget, kind="catalogue")
        data, mc = _load(ctx, "catalogue")
        nll = gl.NLL(model, data, mc)
        assert nll.mc_method == "integrals"
        assert nll.mc_evaluator.chunk_plan.streamed == (budget is not None)
        values.append(nll.value_and_gradient(p))
        ctx.close()
    _close(values[1][0], values[0][0], 1e-12)
    _close(values[1][1], values[0][1], 1e-12)


def test_the_budget_is_shared_by_the_datasets_of_a_context(backend):
    ctx = _context(backend, EXTRA)
    before = ctx.memory.used
    nll = gl.NLL(bw_zlm_model().model, *_samples(ctx), normalization="events")
    data_plan, mc_plan = nll.data_evaluator.chunk_plan, nll.mc_evaluator.chunk_plan
    assert data_plan.device_bytes <= (ctx.memory.limit - before) // 2
    assert mc_plan.chunk_events < data_plan.chunk_events  # the MC sample got what the data left
    assert ctx.memory.used - before >= data_plan.device_bytes + mc_plan.device_bytes
    assert ctx.memory.used <= ctx.memory.limit
    ctx.close()


def test_a_tight_budget_tiles_the_per_event_work_of_a_resident_cache(backend):
    if backend == "cupy":
        pytest.skip("whole-dataset outputs need room this budget does not leave on a GPU (see the module docstring)")
    cm = bw_zlm_model()
    out = []
    for budget in (None, N_DATA * 80 + 200_000):  # the data cache fits, with 200 kB for tiles of work
        ctx = _context(backend, budget)
        ev = cm.model.load(_samples(ctx)[0])
        out.append((ev.chunk_plan, ev.evaluate(cm.start), ev.evaluate_gradient(cm.start)))
    (plan0, v0, g0), (plan1, v1, g1) = out
    assert not plan1.streamed and len(plan1.tile_bounds()) > 10 and plan0.tile_bounds() == [(0, N_DATA)]
    _close(v1, v0, 1e-13)
    _close(g1, g0, 1e-13)
