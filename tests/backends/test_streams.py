"""The double-buffered transfer pipelines of the GPU backend, run on a simulated device whose
streams execute late and in an adversarial order: correct data under either order, and
wrong data (the simulation catches it) when any of their waits is left out."""

import numpy as np
import pytest

from gpu_laddu.backends.streams import staged_copy, stream_chunks
from tests.backends.simstreams import DroppedWaits, SimStreams

POLICIES = ["copy-first", "compute-first"]


def _stream(ops, sim, n=1000, chunk=96):
    rng = np.random.default_rng(1)
    sources = [rng.normal(size=n), rng.normal(size=n) + 1j * rng.normal(size=n)]
    buffers = [tuple(np.full(chunk, np.nan, dtype=s.dtype) for _ in range(2)) for s in sources]
    bounds = [(lo, min(lo + chunk, n)) for lo in range(0, n, chunk)]
    seen = {}

    def run_chunk(c, lo, hi, views):
        assert all(v.shape == (hi - lo,) for v in views)
        sim.enqueue(sim.compute, lambda: seen.__setitem__(c, [v.copy() for v in views]))

    stream_chunks(ops, bounds, sources, buffers, run_chunk)
    sim.synchronize()
    return all(np.array_equal(seen[c][j], s[lo:hi]) for c, (lo, hi) in enumerate(bounds)
               for j, s in enumerate(sources))


@pytest.mark.parametrize("policy", POLICIES)
def test_stream_chunks_delivers_every_chunk_intact(policy):
    sim = SimStreams(policy)
    assert _stream(sim, sim)
    assert sim.host_waits == 0  # the host never blocks inside the loop


def test_a_missing_buffer_reuse_wait_is_caught():
    sim = SimStreams("copy-first")
    assert not _stream(DroppedWaits(sim, stream=sim.copy), sim)


def test_a_kernel_not_waiting_for_its_copies_is_caught():
    sim = SimStreams("compute-first")
    assert not _stream(DroppedWaits(sim, stream=sim.compute), sim)


def _staged(ops, sim, dtype, n=5000, stage_bytes=4096):
    rng = np.random.default_rng(2)
    src = rng.normal(size=n).astype(dtype) if np.dtype(dtype).kind == "f" else (
        rng.normal(size=n) + 1j * rng.normal(size=n)).astype(dtype)
    dst = np.full(n, np.nan, dtype=dtype)
    staging = (np.empty(stage_bytes, np.uint8), np.empty(stage_bytes, np.uint8))
    staged_copy(ops, src, dst, staging)
    got = {}
    sim.enqueue(sim.compute, lambda: got.__setitem__("dst", dst.copy()))  # later work on the compute stream
    sim.synchronize()
    return np.array_equal(got["dst"], src)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("dtype", [np.float64, np.complex64, np.complex128])
def test_staged_copy_is_one_exact_copy(policy, dtype):
    sim = SimStreams(policy)
    assert _staged(sim, sim, dtype)


def test_staging_buffers_reused_before_their_transfer_is_caught():
    sim = SimStreams("compute-first")
    assert not _staged(DroppedWaits(sim, host=True), sim, np.float64)

