"""Dataset operations: selection, binning, Poisson bootstrap, rest-frame boosts, transfers.

Each returns new Datasets (columns that do not change are shared, never modified).  Derived
datasets may be empty (an empty bin, a selection that keeps nothing); only readers reject a
globally empty input.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ds = gl.from_numpy(scalars={"x": np.array([0.05, 0.5, 0.95, 1.5])}, weights=np.array([1.0, 2.0, 3.0, 4.0]))
>>> class X:
...     def value(self, dataset): return dataset.scalar("x")
>>> binned = ds.bin_by(X(), 2, (0.0, 1.0))
>>> [b.weights.tolist() for b in binned], binned.edges.tolist()
([[1.0], [2.0, 3.0]], [0.0, 0.5, 1.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np
import pyarrow as pa

from gpu_laddu.context import ExecutionContext
from gpu_laddu.data.arrow import TOLERANCE_KEY
from gpu_laddu.data.dataset import Dataset
from gpu_laddu.data.schema import DEFAULT_WEIGHT, P4_SUFFIXES, ColumnType, repeated_names, resolve_columns
from gpu_laddu.data.validate import M2_TOLERANCE
from gpu_laddu.errors import DataError

#: events per independently seeded block of bootstrap draws (fixes the result for any rank count)
BOOTSTRAP_BLOCK = 1 << 16


class BinnedDataset(Sequence[Dataset]):
    """The bins of :meth:`Dataset.bin_by`: a sequence of Datasets (empty bins included) and the edges.

    Attributes
    ----------
    edges : numpy.ndarray
        ``len(self) + 1`` increasing bin edges; bin ``i`` is ``[edges[i], edges[i+1])``, the last
        bin also holds values equal to ``edges[-1]``.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(scalars={"x": np.array([0.2, 0.7])})
    >>> class X:
    ...     def value(self, dataset): return dataset.scalar("x")
    >>> b = ds.bin_by(X(), [0.0, 0.5, 1.0, 2.0])
    >>> len(b), [d.n_events for d in b], b.bin_range(2)
    (3, [1, 1, 0], (1.0, 2.0))
    """

    def __init__(self, datasets: Sequence[Dataset], edges: np.ndarray) -> None:
        self._datasets = tuple(datasets)
        self.edges = edges

    @overload
    def __getitem__(self, index: int) -> Dataset: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Dataset]: ...

    def __getitem__(self, index: int | slice) -> Dataset | Sequence[Dataset]:
        return self._datasets[index]

    def __len__(self) -> int:
        return len(self._datasets)

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self._datasets)

    def bin_range(self, index: int) -> tuple[float, float]:
        """The (low, high) edges of bin ``index``."""
        return float(self.edges[index]), float(self.edges[index + 1])

    def __repr__(self) -> str:
        counts = [d.n_events_global for d in self._datasets]
        return f"BinnedDataset(bins={len(self)}, range=({self.edges[0]!r}, {self.edges[-1]!r}), events={counts})"


def _derived(ds: Dataset, columns: Any, weights: Any, n_local: int) -> Dataset:
    """A Dataset over new columns, with its global count summed over the ranks."""
    p4s, scalars = columns
    n_global = int(ds.ctx.comm.allreduce_sum(np.array([float(n_local)]))[0])
    return Dataset(ds.ctx, p4s, scalars, weights, n_events_global=n_global, m2_tolerance=ds.m2_tolerances)


def _map_columns(ds: Dataset, fn: Any) -> tuple[dict[str, tuple[Any, ...]], dict[str, Any], Any]:
    p4s = {name: tuple(fn(c) for c in ds.p4(name)) for name in ds.p4_names}
    scalars = {name: fn(ds.scalar(name)) for name in ds.scalar_names}
    weights = fn(ds.weights) if ds.has_explicit_weights else None
    return p4s, scalars, weights


def select(ds: Dataset, mask: Any) -> Dataset:
    """The events of ``ds`` where ``mask`` (a boolean array of local length) is true.

    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(scalars={"x": np.arange(4.0)})
    >>> select(ds, ds.scalar("x") > 1.5).scalar("x").tolist()
    [2.0, 3.0]
    """
    xp = ds.ctx.xp
    try:
        m = xp.asarray(mask)
    except (TypeError, ValueError) as exc:
        raise DataError(f"select: the mask cannot be used on this dataset's device ({exc})") from exc
    if m.dtype != np.bool_:
        raise DataError(f"select: the mask must be boolean, got dtype {m.dtype}")
    if m.shape != (ds.n_events,):
        raise DataError(f"select: the mask has shape {m.shape}; this rank has {ds.n_events} events")
    p4s, scalars, weights = _map_columns(ds, lambda c: c[m])
    return _derived(ds, (p4s, scalars), weights, int(m.sum()))


def bin_edges(bins: int | Sequence[float], range: tuple[float, float] | None) -> np.ndarray:
    """Bin edges as laddu 0.28.1 builds them, ``lo + i·(hi − lo)/bins`` for ``i = 0..bins``, except
    that the last edge is ``hi`` itself (laddu's can round below it and then drop ``v = hi``).

    ``bins`` may instead be a sequence of increasing edges (then ``range`` must be None).

    >>> bin_edges(4, (0.0, 1.0)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> float(bin_edges(19, (0.0, 0.1))[-1])
    0.1
    """
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        if range is None or len(range) != 2:
            raise DataError(f"bin_by: a bin count needs range=(low, high), got {range!r}")
        lo, hi = float(range[0]), float(range[1])
        if bins < 1 or not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise DataError(f"bin_by: need bins >= 1 and finite low < high, got bins={bins}, range={range!r}")
        edges = lo + np.arange(int(bins) + 1, dtype=np.float64) * ((hi - lo) / int(bins))
        edges[-1] = hi
        if np.any(np.diff(edges) <= 0):
            raise DataError(f"bin_by: {bins} bins over {range!r} are narrower than float64 can resolve")
        return edges
    if range is not None:
        raise DataError("bin_by: give either a bin count with range=, or a sequence of edges without it")
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise DataError(f"bin_by: edges must be at least two finite, strictly increasing values, got {bins!r}")
    return edges


def bin_by(ds: Dataset, variable: Any, bins: int | Sequence[float], range: tuple[float, float] | None = None
           ) -> BinnedDataset:
    """Split ``ds`` into bins of ``variable.value(ds)`` (laddu 0.28.1 semantics).

    Bin ``i`` holds ``edges[i] <= v < edges[i+1]``; the last bin also holds ``v == edges[-1]``;
    values outside the edges (and NaN) belong to no bin; empty bins are kept.  Events keep
    their order within a bin.

    Parameters
    ----------
    ds : Dataset
    variable : object with ``.value(dataset)`` -> array of the dataset's namespace
    bins : int or sequence of float
        Number of uniform bins over ``range``, or the edges themselves.
    range : (float, float) or None

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(scalars={"x": np.array([1.0, 0.0, 0.99, -0.1])})
    >>> class X:
    ...     def value(self, dataset): return dataset.scalar("x")
    >>> [b.scalar("x").tolist() for b in bin_by(ds, X(), 2, (0.0, 1.0))]
    [[0.0], [1.0, 0.99]]
    """
    edges = bin_edges(bins, range)
    xp = ds.ctx.xp
    n_bins = len(edges) - 1
    values = variable.value(ds)
    if getattr(values, "shape", None) != (ds.n_events,):
        raise DataError(
            f"bin_by: the variable gave shape {getattr(values, 'shape', None)}; expected ({ds.n_events},)"
        )
    dev_edges = ds.ctx.asarray(edges)
    idx = xp.searchsorted(dev_edges, values, side="right") - 1
    idx = xp.where(values == edges[-1], n_bins - 1, idx)
    idx = xp.where((idx >= 0) & (idx < n_bins), idx, n_bins)  # n_bins collects what no bin holds
    order = xp.argsort(idx, kind="stable")
    counts = ds.ctx.to_numpy(xp.bincount(idx, minlength=n_bins + 1)).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    keep = order[: int(bounds[n_bins])]
    p4s, scalars, weights = _map_columns(ds, lambda c: c[keep])
    totals = ds.ctx.comm.allreduce_sum(counts[:n_bins].astype(np.float64))
    out = []
    for i, (lo, hi) in enumerate(zip(bounds[:n_bins].tolist(), bounds[1:].tolist())):
        out.append(Dataset(
            ds.ctx,
            {k: tuple(c[lo:hi] for c in v) for k, v in p4s.items()},
            {k: c[lo:hi] for k, c in scalars.items()},
            None if weights is None else weights[lo:hi],
            n_events_global=int(totals[i]),
            m2_tolerance=ds.m2_tolerances,
        ))
    return BinnedDataset(out, edges)


def check_seed(seed: Any, who: str, name: str = "seed") -> int:
    """``seed`` as an int, or :class:`DataError` naming ``who``'s argument ``name`` unless it is a
    non-negative integer (what :class:`numpy.random.SeedSequence` takes).

    >>> check_seed(3, "demo")
    3
    >>> check_seed(-3, "demo")
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: demo: seed must be a non-negative integer, not -3
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"{who}: {name} must be a non-negative integer, not {seed!r}")
    return int(seed)


def poisson_factors(seed: int, start: int, n: int) -> np.ndarray:
    """Poisson(1) draws for global events ``start .. start+n-1``.

    Block ``b`` (events ``b·BOOTSTRAP_BLOCK`` onward) is drawn from
    ``np.random.SeedSequence([seed, b])``, so any split of the events over ranks gives the same
    draws for the same event.

    >>> whole = poisson_factors(3, 0, 10)
    >>> np.array_equal(np.concatenate([poisson_factors(3, 0, 4), poisson_factors(3, 4, 6)]), whole)
    True
    """
    seed = check_seed(seed, "bootstrap")
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out
    for block in range(start // BOOTSTRAP_BLOCK, (start + n - 1) // BOOTSTRAP_BLOCK + 1):
        draws = np.random.default_rng(np.random.SeedSequence([seed, block])).poisson(1.0, BOOTSTRAP_BLOCK)
        lo = max(start, block * BOOTSTRAP_BLOCK)
        hi = min(start + n, (block + 1) * BOOTSTRAP_BLOCK)
        out[lo - start:hi - start] = draws[lo - block * BOOTSTRAP_BLOCK:hi - block * BOOTSTRAP_BLOCK]
    return out


def bootstrap(ds: Dataset, seed: int) -> Dataset:
    """A Poisson-bootstrap replica: every weight times an independent Poisson(1) draw.

    laddu 0.28.1's definition; the draw of an event depends only on ``seed`` and its global
    index (see :func:`poisson_factors`), not on the number of ranks or the backend.

    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(scalars={"x": np.zeros(4)}, weights=np.full(4, 0.5))
    >>> bootstrap(ds, 1).weights.tolist() == (0.5 * poisson_factors(1, 0, 4)).tolist()
    True
    """
    factors = ds.ctx.asarray(poisson_factors(check_seed(seed, "bootstrap"), ds.global_start, ds.n_events))
    p4s = {name: ds.p4(name) for name in ds.p4_names}
    scalars = {name: ds.scalar(name) for name in ds.scalar_names}
    return Dataset(ds.ctx, p4s, scalars, ds.weights * factors, n_events_global=ds.n_events_global,
                   global_start=ds.global_start, m2_tolerance=ds.m2_tolerances)


def boost_to_rest_frame_of(ds: Dataset, names: str | Sequence[str]) -> Dataset:
    """Boost every four-vector into the rest frame of the sum of ``names`` (scalars unchanged).

    With β = −P⃗/E of the sum: p⃗′ = p⃗ + β⃗[(γ−1)(p⃗·β⃗)/β² + γE], E′ = γ(E + β⃗·p⃗).

    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(p4s={"a": np.array([[5.0, 0.0, 3.0, 0.0]]), "b": np.array([[5.0, 0.0, 0.0, 3.0]])})
    >>> [round(float(c[0]), 12) for c in boost_to_rest_frame_of(ds, ["a"]).p4("a")]
    [4.0, 0.0, 0.0, 0.0]
    """
    selected = [names] if isinstance(names, str) else list(names)
    if not selected:
        raise DataError("boost_to_rest_frame_of: give at least one four-vector name")
    xp = ds.ctx.xp
    parts = [ds.p4(n) for n in selected]
    e_sum, px_sum, py_sum, pz_sum = (sum(p[i] for p in parts) for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        bx, by, bz = -px_sum / e_sum, -py_sum / e_sum, -pz_sum / e_sum
        b2 = bx * bx + by * by + bz * bz
    bad = ~(b2 < 1.0)  # also catches E_sum = 0 (NaN)
    if ds.n_events and bool(xp.any(bad)):
        row = int(xp.argmax(bad))
        raise DataError(
            f"boost_to_rest_frame_of({selected}): the sum is not timelike at event {row} "
            f"(beta^2 = {float(b2[row])!r}); it has no rest frame"
        )
    gamma = 1.0 / xp.sqrt(1.0 - b2)
    k = gamma * gamma / (gamma + 1.0)  # (γ−1)/β², finite at β = 0
    p4s = {}
    tolerances = ds.m2_tolerances
    for name in ds.p4_names:
        e, px, py, pz = ds.p4(name)
        bp = bx * px + by * py + bz * pz
        f = k * bp + gamma * e
        p4s[name] = (gamma * (e + bp), px + bx * f, py + by * f, pz + bz * f)
        tolerances[name] = _boosted_tolerance(xp, tolerances[name], e, p4s[name][0])
    scalars = {name: ds.scalar(name) for name in ds.scalar_names}
    weights = ds.weights if ds.has_explicit_weights else None
    return Dataset(ds.ctx, p4s, scalars, weights, n_events_global=ds.n_events_global,
                   global_start=ds.global_start, m2_tolerance=tolerances)


def _boosted_tolerance(xp: Any, tolerance: float, e: Any, e_boosted: Any) -> float:
    """The m² tolerance relative to E'² after a boost: m² (and its rounding error, up to tol·E²)
    is invariant, so where the boost lowers E the relative tolerance grows by max (E/E')²."""
    if len(e) == 0:
        return tolerance
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = xp.where(e_boosted > 0, e / e_boosted, 1.0)
    r2 = float(xp.max(ratio)) ** 2
    return tolerance if not r2 > 1.0 else (tolerance + 1e-15) * r2


def to_context(ds: Dataset, ctx: ExecutionContext) -> Dataset:
    """``ds`` on ``ctx``'s device (``ds`` itself when ``ctx`` is its context).

    Columns are copied across the host/device boundary; between two CPU contexts the
    (immutable) columns are shared.

    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(scalars={"x": np.ones(2)})
    >>> to_context(ds, ds.ctx) is ds
    True
    """
    if ctx is ds.ctx:
        return ds
    src = ds.ctx
    p4s, scalars, weights = _map_columns(ds, lambda c: ctx.asarray(src.to_numpy(c)))
    return Dataset(ctx, p4s, scalars, weights, n_events_global=ds.n_events_global, global_start=ds.global_start,
                   m2_tolerance=ds.m2_tolerances)


def to_arrow(ds: Dataset) -> pa.Table:
    """This rank's events as a host Arrow table (float64; shared, not copied, on the CPU backends).

    The columns read back as the same four-vectors, scalars and weights (by
    :func:`gpu_laddu.from_arrow` or, once written, :func:`gpu_laddu.read_parquet`), or this is a
    :class:`DataError`: a scalar named ``weight`` (any case) would become the event weights, a
    scalar ``k_PX`` next to four-vector ``k`` would clash with its column ``k_px``, four scalars
    ``a_e, a_px, a_py, a_pz`` would become a four-vector.  A four-vector checked with a larger
    mass-shell tolerance than 1e-9 (float32 input, or a relaxed ``m2_tolerance=``) records it in
    the metadata of its columns, so that they read back.

    >>> import numpy as np, gpu_laddu as gl
    >>> to_arrow(gl.from_numpy(p4s={"k": np.array([[1.0, 0, 0, 0]])})).column_names
    ['k_e', 'k_px', 'k_py', 'k_pz']
    >>> to_arrow(gl.from_numpy(scalars={"Weight": np.ones(2)}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: to_arrow: the dataset cannot be written unambiguously: scalar 'Weight' would ...
    """
    names = [f"{n}_{s}" for n in ds.p4_names for s in P4_SUFFIXES] + list(ds.scalar_names)
    if ds.has_explicit_weights:
        names.append(DEFAULT_WEIGHT)
    clashes = repeated_names(names)
    if clashes:
        raise DataError(f"to_arrow: column names {clashes} would appear twice; rename the scalars")
    _check_reads_back(ds)
    columns = ds.columns()
    return pa.table({name: ds.ctx.to_numpy(columns[name]) for name in names},
                    schema=arrow_schema(ds, ds.m2_tolerances))


def arrow_schema(ds: Dataset, tolerances: dict[str, float]) -> pa.Schema:
    """The float64 schema of ``ds``'s columns, a four-vector's component fields carrying its m²
    tolerance (from ``tolerances``) in their metadata when it is not the default 1e-9.

    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(p4s={"k": np.array([[1.0, 0, 0, 0]])})
    >>> arrow_schema(ds, {"k": 1e-6}).field("k_px").metadata
    {b'gpu_laddu:m2_tolerance': b'1e-06'}
    """
    fields = [pa.field(f"{n}_{s}", pa.float64()) for n in ds.p4_names for s in P4_SUFFIXES]
    for i, p4 in enumerate(ds.p4_names):
        tol = tolerances[p4]
        if tol != M2_TOLERANCE:
            for j in range(4):
                fields[4 * i + j] = fields[4 * i + j].with_metadata({TOLERANCE_KEY: repr(tol).encode("ascii")})
    fields += [pa.field(n, pa.float64()) for n in ds.scalar_names]
    if ds.has_explicit_weights:
        fields.append(pa.field(DEFAULT_WEIGHT, pa.float64()))
    return pa.schema(fields)


def _check_reads_back(ds: Dataset) -> None:
    """Raise :class:`DataError` unless the laddu naming rules read ``ds``'s columns back as its roles."""
    import warnings

    fields = {f"{n}_{s}": ColumnType("float", "double") for n in ds.p4_names for s in P4_SUFFIXES}
    fields.update({n: ColumnType("float", "double") for n in ds.scalar_names})
    if ds.has_explicit_weights:
        fields[DEFAULT_WEIGHT] = ColumnType("float", "double")
    problems: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = resolve_columns(fields, p4s=None, scalars=None, weight=DEFAULT_WEIGHT, source="to_arrow")
    except DataError as exc:
        problems.append(str(exc).removeprefix("to_arrow: "))
    else:
        if plan.weight is not None and not ds.has_explicit_weights:
            problems.append(f"scalar {plan.weight!r} would read back as the event weights")
        back = {col: name for name, col in plan.scalars.items()}
        for name, comps in plan.p4s.items():
            if name not in ds.p4_names:
                problems.append(f"scalars {list(comps)} would read back as a four-vector {name!r}")
        for name in ds.p4_names:
            if plan.p4s.get(name) != tuple(f"{name}_{s}" for s in P4_SUFFIXES):
                problems.append(f"four-vector {name!r} would not read back as one")
        for name in ds.scalar_names:
            if back.get(name) != name and plan.weight != name:
                problems.append(f"scalar {name!r} would not read back as a scalar")
    if problems:
        raise DataError(
            "to_arrow: the dataset cannot be written unambiguously: " + "; ".join(dict.fromkeys(problems))
            + "; rename the clashing scalars or four-vectors (file columns follow laddu: X_e, X_px, X_py, X_pz, "
            "weight)"
        )
