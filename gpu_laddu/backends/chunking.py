"""Memory budgets and cache placement: when a dataset's cache columns fit on the device, and how
they are processed in chunks when they do not.

Every :class:`~gpu_laddu.context.ExecutionContext` has a :class:`MemoryBudget`: the bytes it
may hold on its device (``memory_budget=``; on a GPU by default 90% of the memory free when
the context is made, enforced as the limit of the context's own CuPy memory pool; on the CPU
unlimited unless given).  Its ``used`` count is the pool's bytes in use on a GPU, and on the
CPU the bytes of the caches the context placed (there is no pool to ask).

When a model is loaded on a dataset, :func:`plan_chunks` places the cache (``b`` bytes per
event over ``n`` events, with ``A`` bytes of the budget available):

* **resident** when ``n·b`` plus one minimal tile of work fits in ``A``: the cache columns
  live on the device, and one fused kernel per call reads them all;
* **streamed** otherwise: the cache columns live in host memory (pinned on a GPU) as a
  :class:`StreamedCache`; each call processes the events in chunks, with two device buffers
  per column, so that the transfer of chunk k+1 overlaps the kernel of chunk k
  (:func:`gpu_laddu.backends.streams.stream_chunks`).  A chunk buffer takes a quarter of
  ``A`` (at most :data:`MAX_CHUNK_BYTES`), so the two leave half of the budget to the next
  dataset (the accepted MC after the data).  The sums are the same, added in a different
  order (agreement to rounding, ~1e-15 relative);
* an error when ``A`` cannot hold even the smallest tiles (:data:`ALIGN` events).

Per-event work with temporaries (precompute, and per-event outputs of a streamed cache) runs
in tiles, :data:`TILE_OVERHEAD` times the cache bytes of a tile being the transient memory it
may take (the canonical K-matrix precompute peaks at about 12 times its cache bytes in NumPy;
CuPy's batched solves and contractions copy more).

The budget bounds what a context keeps.  On a GPU it is also the pool's hard limit, so calls
that return whole-dataset arrays of a streamed dataset (``evaluate``, ``evaluate_gradient``,
projections) need the memory the caches left; the likelihood path itself needs a few rows of
block sums.

Examples
--------
>>> plan = plan_chunks(n_events=10_000, bytes_per_event=32, available=200_000)
>>> plan.streamed, plan.chunk_events, plan.n_chunks, plan.bounds()[-1]
(True, 1536, 7, (9216, 10000))
>>> plan_chunks(10_000, 32, None).streamed
False
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu_laddu.errors import ContextError

#: chunks and tiles are multiples of this many events
ALIGN = 64
#: transient bytes of a tile of per-event work, in units of the tile's cache bytes
TILE_OVERHEAD = 32
#: bytes of one streamed chunk buffer at most (larger chunks overlap no better)
MAX_CHUNK_BYTES = 1 << 29
#: default budget on a GPU: this fraction of the device memory free when the context is made
DEFAULT_GPU_FRACTION = 0.9


class MemoryBudget:
    """The bytes one context may hold on its device, and how many it holds.

    Parameters
    ----------
    limit : int or None
        The budget in bytes (``None``: unlimited).
    measure : callable or None
        Bytes in use now (a GPU memory pool's count).  ``None``: the bytes registered with
        :meth:`track` by objects still alive.

    Examples
    --------
    >>> budget = MemoryBudget(1000)
    >>> class Owner: pass
    >>> owner = Owner(); budget.track(owner, 400)
    >>> budget.used, budget.available()
    (400, 600)
    >>> del owner; budget.used
    0
    """

    def __init__(self, limit: int | None, measure: Callable[[], int] | None = None) -> None:
        self.limit = limit
        self._measure = measure
        self._tracked = 0

    @property
    def used(self) -> int:
        """Bytes held now."""
        return int(self._measure()) if self._measure is not None else self._tracked

    def available(self) -> int | None:
        """Bytes still free under the budget (``None`` when unlimited)."""
        return None if self.limit is None else max(0, self.limit - self.used)

    def track(self, owner: object, nbytes: int) -> None:
        """Count ``nbytes`` as used until ``owner`` is garbage-collected (without a ``measure`` only)."""
        if self._measure is not None or nbytes <= 0:
            return
        self._tracked += int(nbytes)
        weakref.finalize(owner, self._release, int(nbytes))

    def _release(self, nbytes: int) -> None:
        self._tracked -= nbytes

    def __repr__(self) -> str:
        return f"MemoryBudget(limit={self.limit}, used={self.used})"


def resolve_budget(requested: int | None, free_bytes: int | None) -> int | None:
    """The budget of a new context: ``requested``, else a share of the device's free memory.

    >>> resolve_budget(None, None), resolve_budget(None, 1000), resolve_budget(64, 1000)
    (None, 900, 64)
    """
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, (int, np.integer)) or requested <= 0:
            raise ContextError(f"memory_budget must be None or a positive number of bytes, not {requested!r}")
        return int(requested)
    return None if free_bytes is None else int(DEFAULT_GPU_FRACTION * free_bytes)


def _align_down(events: int) -> int:
    return (events // ALIGN) * ALIGN


@dataclass(frozen=True)
class ChunkPlan:
    """Where a dataset's cache lives and how its events are cut.

    Attributes
    ----------
    n_events : int
    bytes_per_event : int
        Cache bytes per event (all cache columns).
    streamed : bool
        False: resident on the device; True: in host memory, streamed per call.
    chunk_events : int
        Events per streamed chunk (``n_events`` when resident).
    tile_events : int
        Events per tile of per-event work (precompute; per-event outputs when streamed).
    """

    n_events: int
    bytes_per_event: int
    streamed: bool
    chunk_events: int
    tile_events: int

    @property
    def n_chunks(self) -> int:
        """Number of chunks per call (1 when resident, 0 without events)."""
        return -(-self.n_events // self.chunk_events) if self.n_events else 0

    def bounds(self) -> list[tuple[int, int]]:
        """``(lo, hi)`` event ranges of the chunks, in order."""
        return _tiles(self.n_events, self.chunk_events)

    def tile_bounds(self) -> list[tuple[int, int]]:
        """``(lo, hi)`` event ranges of the tiles, in order."""
        return _tiles(self.n_events, self.tile_events)

    @property
    def device_bytes(self) -> int:
        """Device bytes the cache keeps: all of it when resident, two chunk buffers when streamed."""
        events = 2 * self.chunk_events if self.streamed else self.n_events
        return events * self.bytes_per_event


def _tiles(n: int, step: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + step, n)) for lo in range(0, n, max(step, 1))]


def plan_chunks(n_events: int, bytes_per_event: int, available: int | None) -> ChunkPlan:
    """Place a cache of ``bytes_per_event`` × ``n_events`` given ``available`` budget bytes.

    See the module docstring for the rules.  Raises :class:`~gpu_laddu.ContextError` when the
    budget cannot hold the smallest chunks.
    """
    n, b = int(n_events), int(bytes_per_event)
    if available is None or n == 0 or b == 0:
        return ChunkPlan(n, b, False, max(n, 1), max(n, 1))
    tile_bytes = TILE_OVERHEAD * b
    spare = available - n * b
    if spare >= ALIGN * tile_bytes:
        return ChunkPlan(n, b, False, max(n, 1), min(n, _align_down(spare // tile_bytes)))
    if available < ALIGN * tile_bytes:
        raise ContextError(
            f"the memory budget leaves {available} bytes for a cache of {b} bytes per event; chunked "
            f"processing needs at least {ALIGN * tile_bytes} bytes: raise ExecutionContext(memory_budget=...)"
        )
    chunk = _align_down(min(available // 4, MAX_CHUNK_BYTES) // b)
    return ChunkPlan(n, b, True, min(n, max(chunk, ALIGN)), min(n, _align_down(available // tile_bytes)))


class ResidentCache(dict[Any, Any]):
    """Cache columns held on the device (a dict the memory budget can follow to its end)."""


class StreamedCache(Mapping[Any, Any]):
    """Cache columns kept in host memory, processed on the device in chunks of ``plan.chunk_events``.

    Parameters
    ----------
    plan : ChunkPlan
        A streamed plan.
    dtypes : mapping
        Column-source key → dtype of the cache column.
    empty_host : callable
        ``(n, dtype) → host array`` (pinned memory on a GPU).
    to_device : callable
        ``host array → device array`` of the context (identity on the CPU).
    on_host : bool
        True on the CPU backends: chunks are views of the host columns, nothing is copied.

    Notes
    -----
    Indexing (``cache[key]``) gives a whole column in the context's namespace; on a GPU that
    copies it to the device (the per-call likelihood path never does this; whole-column users
    such as the normalisation integrals do).  :attr:`buffers` holds the two device buffers per
    column that the GPU engine streams chunks through (allocated at load, so that the budget
    counts them).

    Examples
    --------
    >>> import numpy as np
    >>> plan = ChunkPlan(5, 8, True, 2, 2)
    >>> cache = StreamedCache(plan, {"x": np.float64}, np.empty, np.asarray, on_host=True)
    >>> cache.host["x"][:] = np.arange(5.0)
    >>> [cache.chunk(lo, hi, ["x"])["x"].tolist() for lo, hi in plan.bounds()]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    """

    def __init__(self, plan: ChunkPlan, dtypes: Mapping[Any, Any], empty_host: Callable[[int, Any], np.ndarray],
                 to_device: Callable[[np.ndarray], Any], *, on_host: bool) -> None:
        self.plan = plan
        self.host: dict[Any, np.ndarray] = {key: empty_host(plan.n_events, dt) for key, dt in dtypes.items()}
        self.on_host = on_host
        self.buffers: dict[Any, tuple[Any, Any]] = {}
        self._to_device = to_device

    def __getitem__(self, key: Any) -> Any:
        host = self.host[key]
        return host if self.on_host else self._to_device(host)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.host)

    def __len__(self) -> int:
        return len(self.host)

    @property
    def nbytes(self) -> int:
        """Host bytes of the cache columns."""
        return int(sum(a.nbytes for a in self.host.values()))

    def view(self, lo: int, hi: int) -> dict[Any, np.ndarray]:
        """Host views of events ``[lo, hi)`` of every column."""
        return {key: arr[lo:hi] for key, arr in self.host.items()}

    def chunk(self, lo: int, hi: int, keys: Any) -> dict[Any, Any]:
        """Events ``[lo, hi)`` of the named columns on the device (views on the CPU, copies on a GPU)."""
        return {key: self.host[key][lo:hi] if self.on_host else self._to_device(self.host[key][lo:hi])
                for key in keys}
