"""Double-buffered transfers between host and device, written once against a small stream API.

Two pipelines, used by the CuPy backend (:mod:`gpu_laddu.backends.cupy_backend`), whose
ordering rules are checked on the CPU by a simulated device (``tests/backends``):

* :func:`stream_chunks` — per likelihood call over a streamed cache: chunk k's columns are
  copied (copy stream) into buffer slot ``k % 2`` while the kernel of chunk k−1 runs (compute
  stream).  A copy into a slot waits for the kernel that last read it; a kernel waits for its
  copies.  The host never blocks inside the loop.
* :func:`staged_copy` — one host→device copy of a (pageable) host array through two pinned
  staging buffers: the host fills one while the DMA engine drains the other.

A stream API (:class:`StreamOps`) has two streams (``compute``, ``copy``), asynchronous copies,
events recorded on a stream, stream-waits-for-event and host-waits-for-event.

Examples
--------
>>> import numpy as np
>>> class Now:  # a stand-in whose operations complete at once
...     compute = copy = None
...     def copy_async(self, dst, src, stream): dst[...] = src
...     def record(self, stream): return None
...     def wait(self, stream, event): pass
...     def host_wait(self, event): pass
>>> ops = Now()
>>> src, out = [np.arange(10.0)], []
>>> buffers = [(np.empty(4), np.empty(4))]
>>> stream_chunks(ops, [(0, 4), (4, 8), (8, 10)], src, buffers, lambda c, lo, hi, views: out.append(views[0].sum()))
>>> out
[np.float64(6.0), np.float64(22.0), np.float64(17.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np


class StreamOps(Protocol):
    """The stream operations the pipelines need (CuPy streams and events, or a stand-in)."""

    compute: Any
    copy: Any

    def copy_async(self, dst: Any, src: Any, stream: Any) -> None:
        """Enqueue ``dst[...] = src`` on ``stream``."""
        ...

    def record(self, stream: Any) -> Any:
        """An event that completes when the work enqueued so far on ``stream`` has."""
        ...

    def wait(self, stream: Any, event: Any) -> None:
        """Make later work on ``stream`` wait for ``event``."""
        ...

    def host_wait(self, event: Any) -> None:
        """Block the host until ``event`` completes."""
        ...


RunChunk = Callable[[int, int, int, list[Any]], None]


def stream_chunks(ops: StreamOps, bounds: Sequence[tuple[int, int]], sources: Sequence[np.ndarray],
                  buffers: Sequence[tuple[Any, Any]], run_chunk: RunChunk) -> None:
    """Stream ``sources[j][lo:hi]`` through ``buffers[j]`` and call ``run_chunk`` on each chunk.

    ``run_chunk(c, lo, hi, views)`` enqueues chunk ``c``'s work on ``ops.compute``; ``views``
    are the device buffers holding its columns (length ``hi - lo``).  Returns once everything
    is enqueued; the caller synchronises the compute stream when it reads the results.
    """
    ops.wait(ops.copy, ops.record(ops.compute))  # buffers may still be read by earlier work
    done: list[Any] = [None, None]
    for c, (lo, hi) in enumerate(bounds):
        slot = c & 1
        if done[slot] is not None:
            ops.wait(ops.copy, done[slot])  # the kernel of chunk c-2 has finished reading this slot
        views = [pair[slot][: hi - lo] for pair in buffers]
        for src, dst in zip(sources, views):
            ops.copy_async(dst, src[lo:hi], ops.copy)
        ops.wait(ops.compute, ops.record(ops.copy))  # chunk c's kernel after its copies
        run_chunk(c, lo, hi, views)
        done[slot] = ops.record(ops.compute)


def staged_copy(ops: StreamOps, src: np.ndarray, dst: Any, staging: tuple[np.ndarray, np.ndarray]) -> None:
    """Copy host array ``src`` into device array ``dst`` (same size) through two staging buffers.

    ``staging`` are two equal byte buffers (pinned host memory); ``src`` is cut into pieces
    of their size.  Returns when the copy is complete (the staging buffers are free again).
    """
    flat_src = np.ascontiguousarray(src).reshape(-1)
    flat_dst = dst.reshape(-1)
    step = staging[0].nbytes // flat_src.itemsize
    pending: list[Any] = [None, None]
    ops.wait(ops.copy, ops.record(ops.compute))  # dst's memory may have been in use on the compute stream
    for c, lo in enumerate(range(0, flat_src.size, step)):
        hi = min(lo + step, flat_src.size)
        slot = c & 1
        if pending[slot] is not None:
            ops.host_wait(pending[slot])  # the DMA from this buffer has finished
        stage = staging[slot].view(flat_src.dtype)[: hi - lo]
        stage[...] = flat_src[lo:hi]
        ops.copy_async(flat_dst[lo:hi], stage, ops.copy)
        pending[slot] = ops.record(ops.copy)
    ops.host_wait(ops.record(ops.copy))  # all of dst is written: any later work may read it
