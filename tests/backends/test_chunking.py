"""Cache placement under a memory budget: the chunk planner, the budget's accounting, and the
context's ``memory_budget`` request."""

import gc

import pytest

import gpu_laddu as gl
from gpu_laddu.backends.chunking import (
    ALIGN,
    MAX_CHUNK_BYTES,
    TILE_OVERHEAD,
    MemoryBudget,
    plan_chunks,
    resolve_budget,
)


def _tiles_cover(bounds, n):
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(hi0 == lo1 for (_, hi0), (lo1, _) in zip(bounds, bounds[1:]))
    assert all(lo < hi for lo, hi in bounds)


def test_unlimited_or_fitting_caches_stay_resident():
    assert not plan_chunks(10**6, 240, None).streamed
    plan = plan_chunks(10_000, 80, 10_000 * 80 + ALIGN * TILE_OVERHEAD * 80)
    assert not plan.streamed and plan.n_chunks == 1 and plan.bounds() == [(0, 10_000)]
    assert plan.tile_events == ALIGN and plan.device_bytes == 800_000
    _tiles_cover(plan.tile_bounds(), 10_000)
    big = plan_chunks(1000, 80, 10**9)
    assert big.tile_events == 1000 and big.tile_bounds() == [(0, 1000)]


@pytest.mark.parametrize("n", [1, ALIGN, 10_000, 123_457])
@pytest.mark.parametrize("available", [200_000, 1_000_000, 5_000_000])
def test_streamed_chunks_fit_a_quarter_of_the_budget_each(n, available):
    b = 48
    plan = plan_chunks(n, b, available)
    if n * b + ALIGN * TILE_OVERHEAD * b <= available:
        assert not plan.streamed
        return
    assert plan.streamed
    assert plan.chunk_events % ALIGN == 0 or plan.chunk_events == n
    assert plan.device_bytes <= available // 2  # the two buffers leave half for the next dataset
    assert plan.tile_events * b * TILE_OVERHEAD <= available
    _tiles_cover(plan.bounds(), n)
    _tiles_cover(plan.tile_bounds(), n)
    assert plan.n_chunks == len(plan.bounds())


def test_chunks_are_capped():
    plan = plan_chunks(10**9, 16, 10**10)
    assert plan.streamed and plan.chunk_events * 16 <= MAX_CHUNK_BYTES


def test_a_budget_too_small_names_what_it_needs():
    with pytest.raises(gl.ContextError, match=f"needs at least {ALIGN * TILE_OVERHEAD * 100} bytes"):
        plan_chunks(10**6, 100, ALIGN * TILE_OVERHEAD * 100 - 1)


def test_empty_datasets_have_no_chunks():
    plan = plan_chunks(0, 80, 100)
    assert not plan.streamed and plan.n_chunks == 0 and plan.bounds() == []


def test_budget_accounting_follows_owners():
    budget = MemoryBudget(1000)

    class Owner:
        pass

    a, b = Owner(), Owner()
    budget.track(a, 300)
    budget.track(b, 500)
    assert (budget.used, budget.available()) == (800, 200)
    del a
    gc.collect()
    assert budget.used == 500
    assert MemoryBudget(None).available() is None
    measured = MemoryBudget(1000, measure=lambda: 650)
    measured.track(b, 10**6)  # a measured budget (a GPU pool) ignores registrations
    assert measured.available() == 350


@pytest.mark.parametrize("bad", [0, -5, 1.5, "1GB", True])
def test_memory_budget_must_be_positive_bytes(bad):
    with pytest.raises(gl.ContextError, match="memory_budget"):
        gl.ExecutionContext(device="cpu", backend="numpy", memory_budget=bad)


def test_budget_resolution():
    assert resolve_budget(None, None) is None  # CPU: unlimited
    assert resolve_budget(None, 10_000) == 9000  # GPU: 90% of the free memory
    assert resolve_budget(123, 10_000) == 123
    with gl.ExecutionContext(device="cpu", backend="numpy", memory_budget=4096) as ctx:
        assert ctx.memory.limit == 4096 and ctx.memory.used == 0 and ctx.stream is None
    with gl.ExecutionContext(device="cpu", backend="numpy") as ctx:
        assert ctx.memory.limit is None
