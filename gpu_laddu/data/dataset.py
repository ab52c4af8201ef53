"""Dataset: structure-of-arrays event storage on a context's device.

Every component is one contiguous 1-D float64 array in the context's namespace: four
components per four-vector (``X_e, X_px, X_py, X_pz``), one per scalar, and the weights
(implicit unit weights when the source had none).  Under MPI a Dataset holds only this
rank's contiguous slice of the events.  Datasets are immutable: every operation
(:meth:`Dataset.select`, :meth:`Dataset.bin_by`, :meth:`Dataset.bootstrap`, ...) returns new
Datasets, sharing unchanged columns.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> p4 = np.array([[1.0, 0.0, 0.0, 0.5], [2.0, 0.1, 0.0, 1.0]])
>>> ds = gl.from_numpy(p4s={"beam": p4}, scalars={"pol_angle": np.array([0.1, 0.2])}, ctx=ctx)
>>> ds.n_events, ds.p4_names, ds.scalar_names, float(ds.sum_weights)
(2, ('beam',), ('pol_angle',), 2.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.schema import P4_SUFFIXES
from gpu_laddu.data.validate import M2_TOLERANCE, check_m2_tolerance, validate_columns
from gpu_laddu.data.validate import m2_tolerance as precision_tolerance
from gpu_laddu.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

    from gpu_laddu.data.ops import BinnedDataset



class Dataset:
    """Events as device-resident columns.

    Use the readers (:func:`gpu_laddu.read_parquet`, :func:`gpu_laddu.from_numpy`, ...) rather
    than this constructor; they validate the input.

    Parameters
    ----------
    ctx : ExecutionContext
        Where the columns live.
    p4s : mapping of name -> tuple of 4 arrays (E, px, py, pz)
    scalars : mapping of name -> array
    weights : array or None
        ``None`` means unit weights.
    n_events_global : int or None
        Total events over all ranks (defaults to the local count on one rank).
    global_start : int or None
        Global index of this rank's first event (``None``: computed on first use).
    m2_tolerance : mapping of p4 name -> float, optional
        The mass-shell tolerance each four-vector was checked with (default 1e-9); written to
        Parquet with it so that the file reads back (see :attr:`m2_tolerances`).

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    >>> ds = Dataset(ctx, {"k": (np.ones(2), np.zeros(2), np.zeros(2), np.zeros(2))}, {})
    >>> ds.n_events, ds.has_explicit_weights
    (2, False)
    """

    def __init__(
        self,
        ctx: ExecutionContext,
        p4s: Mapping[str, Sequence[Any]],
        scalars: Mapping[str, Any],
        weights: Any | None = None,
        n_events_global: int | None = None,
        *,
        global_start: int | None = None,
        m2_tolerance: Mapping[str, float] | None = None,
    ) -> None:
        self._ctx = ctx
        self._p4s: dict[str, tuple[Any, Any, Any, Any]] = {k: _four(v) for k, v in p4s.items()}
        self._scalars: dict[str, Any] = dict(scalars)
        self._explicit_weights = weights
        shapes = {f"four-vector {k!r}": c.shape for k, comps in self._p4s.items() for c in comps}
        shapes.update({f"scalar {k!r}": c.shape for k, c in self._scalars.items()})
        if weights is not None:
            shapes["weights"] = weights.shape
        for what, shape in shapes.items():
            if len(shape) != 1:
                raise DataError(f"dataset columns must be one-dimensional; {what} has shape {shape}")
        lengths = {shape[0] for shape in shapes.values()}
        if len(lengths) > 1:
            raise DataError(f"dataset columns have different lengths: {sorted(lengths)}")
        self._n = lengths.pop() if lengths else 0
        tolerances = dict(m2_tolerance or {})
        self._m2_tolerance = {k: float(tolerances.get(k, M2_TOLERANCE)) for k in self._p4s}
        self._n_global = self._n if n_events_global is None else int(n_events_global)
        self._global_start = global_start if global_start is not None else (0 if ctx.size == 1 else None)
        self._unit_weights: Any | None = None

    # -- shape and names ----------------------------------------------------------------
    @property
    def ctx(self) -> ExecutionContext:
        """The context whose device holds the columns."""
        return self._ctx

    @property
    def n_events(self) -> int:
        """Number of events on this rank."""
        return self._n

    @property
    def n_events_global(self) -> int:
        """Number of events over all ranks."""
        return self._n_global

    @property
    def global_start(self) -> int:
        """Global index of this rank's first event (a collective call the first time under MPI)."""
        if self._global_start is None:
            counts = np.asarray(self._ctx.comm.allgatherv(np.array([self._n], dtype=np.int64)))
            self._global_start = int(counts[: self._ctx.rank].sum())
        return self._global_start

    def __len__(self) -> int:
        return self._n

    @property
    def p4_names(self) -> tuple[str, ...]:
        """Names of the four-vectors, in file order."""
        return tuple(self._p4s)

    @property
    def scalar_names(self) -> tuple[str, ...]:
        """Names of the scalar columns, in file order."""
        return tuple(self._scalars)

    @property
    def m2_tolerances(self) -> dict[str, float]:
        """The relative mass-shell tolerance each four-vector was checked with, by name.

        1e-9 for float64 input, larger for float32 input or a relaxed ``m2_tolerance=``;
        :func:`gpu_laddu.write_parquet` records it so that the file reads back.

        >>> import numpy as np, gpu_laddu as gl
        >>> p4 = np.array([[1.0, 0.6, 0.0, 0.8]])
        >>> gl.from_numpy(p4s={"g": p4.astype(np.float32), "h": p4}).m2_tolerances  # doctest: +ELLIPSIS
        {'g': 9.53...e-07, 'h': 1e-09}
        """
        return dict(self._m2_tolerance)

    @property
    def has_explicit_weights(self) -> bool:
        """False when the source had no weight column (all weights are 1)."""
        return self._explicit_weights is not None

    # -- columns ---------------------------------------------------------------------------
    def p4(self, name: str) -> tuple[Any, Any, Any, Any]:
        """The (E, px, py, pz) columns of four-vector ``name``."""
        try:
            return self._p4s[name]
        except KeyError:
            raise DataError(
                f"dataset has no four-vector {name!r}; it has {list(self._p4s) or 'none'}"
            ) from None

    def scalar(self, name: str) -> Any:
        """The column of scalar ``name``."""
        try:
            return self._scalars[name]
        except KeyError:
            raise DataError(f"dataset has no scalar {name!r}; it has {list(self._scalars) or 'none'}") from None

    def has_p4(self, name: str) -> bool:
        """True when four-vector ``name`` is present."""
        return name in self._p4s

    def has_scalar(self, name: str) -> bool:
        """True when scalar ``name`` is present."""
        return name in self._scalars

    def require(self, p4s: Iterable[str], scalars: Iterable[str], who: str,
                error: type[Exception] = DataError) -> None:
        """Raise ``error`` naming the first four-vector or scalar (of those ``who`` needs) that is missing.

        Examples
        --------
        >>> import numpy as np, gpu_laddu as gl
        >>> ds = gl.from_numpy(scalars={"x": np.ones(2)})
        >>> ds.require([], ["x"], "my variable")
        >>> ds.require([], ["y"], "my variable")
        Traceback (most recent call last):
        ...
        gpu_laddu.errors.DataError: my variable needs scalar column 'y', which the dataset lacks (scalars: ['x'])
        """
        for name in sorted(p4s):
            if not self.has_p4(name):
                raise error(f"{who} needs four-vector {name!r}, which the dataset lacks "
                            f"(four-vectors: {list(self.p4_names)})")
        for name in sorted(scalars):
            if not self.has_scalar(name):
                raise error(f"{who} needs scalar column {name!r}, which the dataset lacks "
                            f"(scalars: {list(self.scalar_names)})")

    @property
    def weights(self) -> Any:
        """Event weights (float64, on the device); ones when the source had none."""
        if self._explicit_weights is not None:
            return self._explicit_weights
        if self._unit_weights is None:
            self._unit_weights = self._ctx.xp.ones(self._n, dtype=np.float64)
        return self._unit_weights

    @property
    def sum_weights(self) -> float:
        """Sum of the weights over all ranks."""
        local = float(self._ctx.xp.sum(self.weights)) if self._n else 0.0
        return float(self._ctx.comm.allreduce_sum(np.array([local]))[0])

    def columns(self) -> dict[str, Any]:
        """All columns by file name (``X_e, X_px, ...``, scalars, and ``weight`` if explicit)."""
        out: dict[str, Any] = {}
        for name, comps in self._p4s.items():
            for suffix, col in zip(P4_SUFFIXES, comps):
                out[f"{name}_{suffix}"] = col
        out.update(self._scalars)
        if self._explicit_weights is not None:
            out["weight"] = self._explicit_weights
        return out

    @property
    def nbytes(self) -> int:
        """Device bytes held by the raw columns."""
        return int(sum(c.nbytes for c in self.columns().values()))

    # -- operations (each returns new Datasets) ----------------------------------------------
    def select(self, mask: Any) -> Dataset:
        """The events where the boolean ``mask`` (local length) is true.

        >>> import numpy as np, gpu_laddu as gl
        >>> ds = gl.from_numpy(scalars={"x": np.array([1.0, 2.0, 3.0])})
        >>> ds.select(np.array([True, False, True])).scalar("x").tolist()
        [1.0, 3.0]
        """
        from gpu_laddu.data.ops import select

        return select(self, mask)

    def bin_by(self, variable: Any, bins: int | Sequence[float], range: tuple[float, float] | None = None
               ) -> BinnedDataset:
        """Split the events into bins of ``variable.value(self)``; see :func:`gpu_laddu.data.ops.bin_by`.

        >>> import numpy as np, gpu_laddu as gl
        >>> class X:
        ...     def value(self, ds): return ds.scalar("x")
        >>> ds = gl.from_numpy(scalars={"x": np.array([0.1, 0.6, 0.7, 2.0])})
        >>> [b.n_events for b in ds.bin_by(X(), 2, (0.0, 1.0))]
        [1, 2]
        """
        from gpu_laddu.data.ops import bin_by

        return bin_by(self, variable, bins, range)

    def bootstrap(self, seed: int) -> Dataset:
        """Poisson bootstrap: each weight times an independent Poisson(1) draw (rank-count invariant).

        >>> import numpy as np, gpu_laddu as gl
        >>> ds = gl.from_numpy(scalars={"x": np.zeros(5)})
        >>> ds.bootstrap(7).weights.tolist() == ds.bootstrap(7).weights.tolist()
        True
        """
        from gpu_laddu.data.ops import bootstrap

        return bootstrap(self, seed)

    def boost_to_rest_frame_of(self, names: str | Sequence[str]) -> Dataset:
        """Every four-vector boosted to the rest frame of the sum of ``names``.

        >>> import numpy as np, gpu_laddu as gl
        >>> ds = gl.from_numpy(p4s={"a": np.array([[2.0, 0.0, 0.0, 1.0]])})
        >>> [round(float(c[0]), 12) for c in ds.boost_to_rest_frame_of("a").p4("a")]
        [1.732050807569, 0.0, 0.0, 0.0]
        """
        from gpu_laddu.data.ops import boost_to_rest_frame_of

        return boost_to_rest_frame_of(self, names)

    def to(self, ctx: ExecutionContext) -> Dataset:
        """The same events on another context's device (``self`` when ``ctx`` is its own).

        >>> import numpy as np, gpu_laddu as gl
        >>> ds = gl.from_numpy(scalars={"x": np.ones(2)})
        >>> other = gl.ExecutionContext(device="cpu", backend="numpy")
        >>> ds.to(other).ctx is other
        True
        """
        from gpu_laddu.data.ops import to_context

        return to_context(self, ctx)

    def to_arrow(self) -> pa.Table:
        """This rank's events as a host :class:`pyarrow.Table` with laddu column names.

        >>> import numpy as np, gpu_laddu as gl
        >>> gl.from_numpy(scalars={"x": np.ones(2)}).to_arrow().column_names
        ['x']
        """
        from gpu_laddu.data.ops import to_arrow

        return to_arrow(self)

    def __repr__(self) -> str:
        return (
            f"Dataset(n_events={self._n}, p4s={list(self._p4s)}, scalars={list(self._scalars)}, "
            f"weights={'explicit' if self.has_explicit_weights else 'unit'}, device={self._ctx.device!r})"
        )


def from_numpy(
    p4s: Mapping[str, Any] | None = None,
    scalars: Mapping[str, Any] | None = None,
    weights: Any | None = None,
    *,
    ctx: ExecutionContext | None = None,
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Build a Dataset from host arrays (this rank's events under MPI).

    Every array is copied unless it is read-only all the way down (then the Dataset shares
    it): a later write by the caller can neither bypass the checks nor change the events
    under a loaded model.

    Parameters
    ----------
    p4s : mapping of name -> (N, 4) array of (E, px, py, pz)
    scalars : mapping of name -> (N,) array
    weights : (N,) array or None
    ctx : ExecutionContext, optional
    check_finite : bool
        Reject NaN/inf (naming column and first bad row) unless False.  Non-finite weights
        are always rejected.
    m2_tolerance : float or None
        Relative tolerance of the mass-shell check m² >= -tol·E².  ``None``: 1e-9 for float64
        input, 8·eps of the input precision for float32/float16 four-vectors.

    Raises
    ------
    DataError
        An array of another shape than (N, 4) or (N,), different N, a non-numeric array, and
        the value checks of :func:`gpu_laddu.read_parquet`.

    Examples
    --------
    >>> import numpy as np
    >>> ds = from_numpy(p4s={"k": np.array([[1.0, 0, 0, 0.2]])}, ctx=None)
    >>> ds.p4("k")[0].tolist()
    [1.0]
    >>> from_numpy(scalars={"x": np.ones(2)}, weights=np.ones((2, 1)))
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: weights must be one-dimensional of length N, got shape (2, 1)
    """
    ctx = resolve_context(ctx)
    m2_tolerance = check_m2_tolerance(m2_tolerance)
    on_host = ctx.device == "cpu"
    host_p4s: dict[str, tuple[np.ndarray, ...]] = {}
    tolerance: dict[str, float] = {}
    for name, arr in (p4s or {}).items():
        a, eps = _as_float_array(arr, f"p4 {name!r}")
        if a.ndim != 2 or a.shape[1] != 4:
            raise DataError(f"p4 {name!r} must have shape (N, 4) of (E, px, py, pz), got {a.shape}")
        host_p4s[name] = tuple(private(a[:, i], on_host) for i in range(4))
        tolerance[name] = m2_tolerance if m2_tolerance is not None else precision_tolerance(eps)
    host_scalars = {}
    for name, arr in (scalars or {}).items():
        a, _ = _as_float_array(arr, f"scalar {name!r}")
        if a.ndim != 1:
            raise DataError(f"scalar {name!r} must be one-dimensional of length N, got shape {a.shape}")
        host_scalars[name] = private(a, on_host)
    host_w = None
    if weights is not None:
        w, _ = _as_float_array(weights, "weights")
        if w.ndim != 1:
            raise DataError(f"weights must be one-dimensional of length N, got shape {w.shape}")
        host_w = private(w, on_host)
    return build_dataset(ctx, host_p4s, host_scalars, host_w, check_finite=check_finite, m2_tolerance=tolerance)


def build_dataset(
    ctx: ExecutionContext,
    p4s: Mapping[str, tuple[np.ndarray, ...]],
    scalars: Mapping[str, np.ndarray],
    weights: np.ndarray | None,
    *,
    check_finite: bool = True,
    source: str = "input",
    n_events_global: int | None = None,
    global_start: int | None = None,
    row_offset: int = 0,
    m2_tolerance: Mapping[str, float] | None = None,
    validated: bool = False,
) -> Dataset:
    """Validate host columns and move them to ``ctx``'s device (the one path every reader uses).

    Parameters
    ----------
    ctx : ExecutionContext
    p4s, scalars, weights : host float64 columns (this rank's events)
    check_finite : bool
        Reject NaN/inf in any column (weights are always checked).
    source : str
        Names the input in error messages.
    n_events_global : int, optional
        Total events over all ranks; computed with an allreduce when not given.
    global_start : int, optional
        Global index of the first local event, when known.
    row_offset : int
        Added to row numbers in error messages (the first local event's row in the source).
    m2_tolerance : mapping of p4 name -> float, optional
        Relative m² tolerance per four-vector (default 1e-9; readers raise it for float32 input).
    validated : bool
        The caller has already run these checks (readers that check while reading).

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    >>> build_dataset(ctx, {}, {"x": np.array([1.0, np.nan])}, None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: input: column 'x' has 1 non-finite value(s), first at row 1 (nan); ...
    """
    columns: dict[str, np.ndarray] = {}  # keyed by a label unique over all roles (a scalar may be named k_e)
    p4_columns: dict[str, tuple[str, str, str, str]] = {}
    for name, comps in p4s.items():
        keys = tuple(_label(columns, f"{name}_{s}", f"component {s} of four-vector {name!r}") for s in P4_SUFFIXES)
        p4_columns[name] = (keys[0], keys[1], keys[2], keys[3])
        columns.update(zip(keys, comps))
    for name, col in scalars.items():
        columns[_label(columns, name, "scalar")] = col
    weight_key = None
    if weights is not None:
        weight_key = _label(columns, "weight", "the event weights")
        columns[weight_key] = weights
    shapes = {k: np.shape(v) for k, v in columns.items()}
    flat = {k: sh for k, sh in shapes.items() if len(sh) != 1}
    if flat:
        raise DataError(f"{source}: every column must be one-dimensional of length N; got shapes {flat}")
    lengths = {k: sh[0] for k, sh in shapes.items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"{source}: columns have different lengths: {lengths}")
    tolerances = dict(m2_tolerance or {})
    if not validated:
        validate_columns(columns, p4_columns, check_finite=check_finite,
                         always_finite=(weight_key,) if weight_key is not None else (), tolerances=tolerances,
                         source=source, row_offset=row_offset, threads=ctx.threads)
    n_local = len(next(iter(columns.values()))) if columns else 0
    if n_events_global is None:
        n_global = int(ctx.comm.allreduce_sum(np.array([float(n_local)]))[0])
    else:
        n_global = int(n_events_global)
    if n_global == 0:
        raise DataError(f"{source}: the dataset is empty (no events on any rank)")
    dev = ctx.asarray
    return Dataset(
        ctx,
        {k: tuple(dev(c) for c in v) for k, v in p4s.items()},
        {k: dev(v) for k, v in scalars.items()},
        None if weights is None else dev(weights),
        n_events_global=n_global,
        global_start=global_start,
        m2_tolerance=tolerances,
    )


def private(a: np.ndarray, on_host: bool = True) -> np.ndarray:
    """A contiguous float64 array of ``a``'s values that nobody else can write to.

    ``a`` itself (or a contiguous view) when its memory is read-only all the way down (Arrow
    buffers, arrays marked read-only by their owner), else a copy; ``on_host=False`` (the
    columns are about to be copied to a GPU anyway) only makes it contiguous.

    >>> x = np.arange(3.0)
    >>> np.shares_memory(private(x), x)
    False
    >>> x.flags.writeable = False
    >>> private(x) is x
    True
    """
    a = np.asarray(a, dtype=np.float64)
    if not on_host or not _writable_by_others(a):
        return np.ascontiguousarray(a)
    return np.array(a, dtype=np.float64, order="C", copy=True)


def _writable_by_others(a: np.ndarray) -> bool:
    """Whether any array or buffer under ``a`` (its base chain) can be written to."""
    obj: Any = a
    while obj is not None:
        if isinstance(obj, np.ndarray):
            if obj.flags.writeable:
                return True
        else:
            try:
                if not memoryview(obj).readonly:
                    return True
            except TypeError:
                pass  # not a buffer (e.g. an Arrow array object): its memory is immutable
            break
        obj = obj.base
    return False


def _label(taken: Mapping[str, Any], name: str, role: str) -> str:
    """``name``, or ``name`` qualified by ``role`` when another column already has that label."""
    return name if name not in taken else f"{name} ({role})"


def _four(columns: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
    if len(columns) != 4:
        raise DataError(f"a four-vector needs 4 columns (E, px, py, pz), got {len(columns)}")
    e, px, py, pz = columns
    return e, px, py, pz


def _as_float_array(arr: Any, what: str) -> tuple[np.ndarray, float]:
    """``arr`` as a float64 numpy array (no copy when it is one), and its source precision's epsilon
    (0 for float64 and integers)."""
    a = np.asarray(arr)
    if a.dtype.kind not in "fiu":
        raise DataError(f"{what} must be numeric, got dtype {a.dtype}")
    eps = float(np.finfo(a.dtype).eps) if a.dtype.kind == "f" and a.dtype.itemsize < 8 else 0.0
    return a.astype(np.float64, copy=False), eps
