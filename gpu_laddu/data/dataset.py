"""Dataset: structure-of-arrays event storage on a context's device.

Every component is one contiguous 1-D float64 array in the context's namespace: four
components per four-vector (``X_e, X_px, X_py, X_pz``), one per scalar, and the weights
(implicit unit weights when the source had none).  Under MPI a Dataset holds only this
rank's contiguous slice of the events.

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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.errors import DataError

P4_SUFFIXES = ("e", "px", "py", "pz")


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
    """

    def __init__(
        self,
        ctx: ExecutionContext,
        p4s: Mapping[str, Sequence[Any]],
        scalars: Mapping[str, Any],
        weights: Any | None = None,
        n_events_global: int | None = None,
    ) -> None:
        self._ctx = ctx
        self._p4s: dict[str, tuple[Any, Any, Any, Any]] = {k: tuple(v) for k, v in p4s.items()}  # type: ignore[misc]
        self._scalars: dict[str, Any] = dict(scalars)
        self._explicit_weights = weights
        lengths = {len(c) for comps in self._p4s.values() for c in comps}
        lengths |= {len(c) for c in self._scalars.values()}
        if weights is not None:
            lengths.add(len(weights))
        if len(lengths) > 1:
            raise DataError(f"dataset columns have different lengths: {sorted(lengths)}")
        self._n = lengths.pop() if lengths else 0
        self._n_global = self._n if n_events_global is None else int(n_events_global)
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
) -> Dataset:
    """Build a Dataset from host arrays.

    Parameters
    ----------
    p4s : mapping of name -> (N, 4) array of (E, px, py, pz)
    scalars : mapping of name -> (N,) array
    weights : (N,) array or None
    ctx : ExecutionContext, optional
    check_finite : bool
        Reject NaN/inf (naming column and first bad row) unless False.

    Examples
    --------
    >>> import numpy as np
    >>> ds = from_numpy(p4s={"k": np.array([[1.0, 0, 0, 0.2]])}, ctx=None)
    >>> ds.p4("k")[0].tolist()
    [1.0]
    """
    ctx = resolve_context(ctx)
    host_p4s: dict[str, tuple[np.ndarray, ...]] = {}
    for name, arr in (p4s or {}).items():
        a = _as_float_array(arr, f"p4 {name!r}")
        if a.ndim != 2 or a.shape[1] != 4:
            raise DataError(f"p4 {name!r} must have shape (N, 4) of (E, px, py, pz), got {a.shape}")
        host_p4s[name] = tuple(np.ascontiguousarray(a[:, i]) for i in range(4))
    host_scalars = {}
    for name, arr in (scalars or {}).items():
        a = _as_float_array(arr, f"scalar {name!r}")
        if a.ndim != 1:
            raise DataError(f"scalar {name!r} must be 1-D, got shape {a.shape}")
        host_scalars[name] = np.ascontiguousarray(a)
    host_w = None if weights is None else np.ascontiguousarray(_as_float_array(weights, "weights"))
    return build_dataset(ctx, host_p4s, host_scalars, host_w, check_finite=check_finite)


def build_dataset(
    ctx: ExecutionContext,
    p4s: Mapping[str, tuple[np.ndarray, ...]],
    scalars: Mapping[str, np.ndarray],
    weights: np.ndarray | None,
    *,
    check_finite: bool = True,
    source: str = "input",
    n_events_global: int | None = None,
) -> Dataset:
    """Validate host columns and move them to ``ctx``'s device (the one path every reader uses)."""
    columns: dict[str, np.ndarray] = {}
    for name, comps in p4s.items():
        columns.update({f"{name}_{s}": c for s, c in zip(P4_SUFFIXES, comps)})
    columns.update(scalars)
    if weights is not None:
        columns["weight"] = weights
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"{source}: columns have different lengths: {lengths}")
    if check_finite or weights is not None:
        for key, col in columns.items():
            if key == "weight" or check_finite:
                check_finite_column(col, key, source)
    for name, (e, px, py, pz) in p4s.items():
        check_physical(name, e, px, py, pz, source)
    n_local = len(next(iter(columns.values()))) if columns else 0
    n_global = n_local if n_events_global is None else n_events_global
    if n_events_global is None:
        n_global = int(ctx.comm.allreduce_sum(np.array([float(n_local)]))[0])
    if n_global == 0:
        raise DataError(f"{source}: the dataset is empty (no events on any rank)")
    dev = ctx.asarray
    return Dataset(
        ctx,
        {k: tuple(dev(c) for c in v) for k, v in p4s.items()},
        {k: dev(v) for k, v in scalars.items()},
        None if weights is None else dev(weights),
        n_events_global=n_global,
    )


def _as_float_array(arr: Any, what: str) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype.kind not in "fiu":
        raise DataError(f"{what} must be numeric, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def check_finite_column(col: np.ndarray, name: str, source: str = "input") -> None:
    """Raise :class:`DataError` naming the column and the first row that is NaN or inf."""
    bad = ~np.isfinite(col)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{source}: column {name!r} has {int(bad.sum())} non-finite value(s), first at row {row} "
            f"({col[row]!r}); pass check_finite=False to keep them"
        )


def check_physical(name: str, e: np.ndarray, px: np.ndarray, py: np.ndarray, pz: np.ndarray,
                   source: str = "input") -> None:
    """Reject four-momenta with E < 0 or m² < -1e-9·E² (naming the p4 and the first row)."""
    with np.errstate(invalid="ignore"):
        m2 = e * e - px * px - py * py - pz * pz
        bad = (e < 0) | (m2 < -1e-9 * e * e)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{source}: four-vector {name!r} is unphysical at {int(bad.sum())} event(s), first at row {row} "
            f"(E={e[row]!r}, m^2={m2[row]!r}); E must be >= 0 and m^2 >= -1e-9*E^2"
        )
