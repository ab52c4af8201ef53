"""Value checks of host columns: finiteness and physical four-momenta, naming column and row.

Each check streams through its columns in cache-sized blocks (no event-sized temporaries)
and first tries a cheap proof that everything is fine (a finite sum proves every summand
finite); only a failing column is scanned again to find the first bad row.  The columns of
one dataset are checked on a few threads (numpy releases the GIL).

Examples
--------
>>> import numpy as np
>>> validate_columns({"x": np.array([1.0, np.inf])}, {}, check_finite=True, always_finite=(),
...                  tolerances={}, source="demo")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
gpu_laddu.errors.DataError: demo: column 'x' has 1 non-finite value(s), first at row 1 (inf); ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from gpu_laddu.errors import DataError

#: m² tolerance of the physicality check, relative to E², for float64 input
M2_TOLERANCE = 1e-9
#: the m² tolerance of a four-vector widened from a lower precision, in units of that precision's eps
EPS_FACTOR = 8.0
_BLOCK = 1 << 16
_TINY = 1e-150  # below this E, squares of the components may underflow
_THREADED_ROWS = 1 << 17  # below this many events the checks run on the calling thread
_Error = tuple[tuple[int, int, int], DataError]  # ((0, column, row) non-finite | (1, p4, row) unphysical, error)


def m2_tolerance(eps: float) -> float:
    """Relative m² tolerance of a four-vector whose components had machine epsilon ``eps``.

    Rounding E and p⃗ to a lower precision moves m² by about 2·eps·E², so float32 input gets
    8·eps ≈ 1e-6 instead of the float64 default 1e-9.

    >>> m2_tolerance(0.0), m2_tolerance(float(np.finfo(np.float32).eps)) > 1e-7
    (1e-09, True)
    """
    return max(M2_TOLERANCE, EPS_FACTOR * eps)


def check_m2_tolerance(value: float | None) -> float | None:
    """The ``m2_tolerance=`` argument of the readers, checked: ``None`` or a finite number >= 0.

    >>> check_m2_tolerance(1e-6), check_m2_tolerance(None)
    (1e-06, None)
    >>> check_m2_tolerance("big")
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: m2_tolerance must be None or a finite number >= 0 (relative to E^2), not 'big'
    """
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        tol = float(value)
        if np.isfinite(tol) and tol >= 0:
            return tol
    raise DataError(f"m2_tolerance must be None or a finite number >= 0 (relative to E^2), not {value!r}")


def check_finite_column(col: np.ndarray, name: str, source: str = "input", *, row_offset: int = 0,
                        always: bool = False) -> None:
    """Raise :class:`DataError` naming the column and the first row that is NaN or inf.

    ``always`` marks a column checked whatever ``check_finite`` says (the weights): its message
    does not suggest ``check_finite=False``, which would not help.

    >>> check_finite_column(np.array([1.0, 2.0]), "x")
    >>> check_finite_column(np.array([np.nan]), "weight", always=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: input: column 'weight' has 1 non-finite value(s), first at row 0 (nan); event ...
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(col)):
            return
    bad = ~np.isfinite(col)
    if bad.any():
        row = int(np.argmax(bad))
        hint = ("event weights must be finite (they are checked even with check_finite=False)" if always
                else "pass check_finite=False to keep them")
        raise DataError(
            f"{source}: column {name!r} has {int(bad.sum())} non-finite value(s), first at row "
            f"{row + row_offset} ({float(col[row])!r}); {hint}"
        )


def check_physical(name: str, e: np.ndarray, px: np.ndarray, py: np.ndarray, pz: np.ndarray,
                   source: str = "input", *, row_offset: int = 0, tolerance: float = M2_TOLERANCE) -> bool:
    """Reject four-momenta with E < 0 or m² < -tolerance·E² (naming the p4 and the first row).

    Events with a NaN or infinite component pass (finiteness is checked separately and may be
    turned off).  Components so large that their squares overflow (above ~1e154) or so small
    that they underflow are checked again after scaling by the largest of them.  Returns True
    when every component is finite (a by-product of the check).

    >>> check_physical("k", np.array([1.0]), np.array([2.0]), np.zeros(1), np.zeros(1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: input: four-vector 'k' is unphysical at 1 event(s), first at row 0 (E=1.0, ...
    """
    n = len(e)
    buf = np.empty(min(n, _BLOCK))
    tmp = np.empty_like(buf)
    first: int | None = None
    count = 0
    total = 0.0
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        for lo in range(0, n, _BLOCK):
            hi = min(n, lo + _BLOCK)
            s, t = buf[: hi - lo], tmp[: hi - lo]
            np.multiply(e[lo:hi], e[lo:hi], out=s)
            np.multiply(s, 1.0 + tolerance, out=s)  # E²(1 + tol) - |p|² >= 0  <=>  m² >= -tol·E²
            for comp in (px, py, pz):
                np.multiply(comp[lo:hi], comp[lo:hi], out=t)
                np.subtract(s, t, out=s)
            block_total = float(np.add.reduce(s))  # NaN or inf in any component makes this non-finite
            e_min = float(np.fmin.reduce(e[lo:hi]))  # fmin skips NaN
            if not np.isfinite(block_total) or e_min < _TINY:  # squares may have overflowed or underflowed
                _rescale(s, (e[lo:hi], px[lo:hi], py[lo:hi], pz[lo:hi]), tolerance)
                block_total = float(np.add.reduce(s))
            total += block_total
            if not (np.fmin.reduce(s) < 0 or e_min < 0):
                continue
            bad = ((s < 0) | (e[lo:hi] < 0)) & np.isfinite(s)
            found = int(bad.sum())
            if found and first is None:
                first = lo + int(np.argmax(bad))
            count += found
    if first is not None:
        comps = np.array([e[first], px[first], py[first], pz[first]], dtype=np.float64)
        scale = float(np.max(np.abs(comps))) or 1.0
        x = comps / scale
        scaled = float(x[0] * x[0] - x[1] * x[1] - x[2] * x[2] - x[3] * x[3])
        with np.errstate(over="ignore", under="ignore"):
            m2 = scaled * scale * scale
        shown = f"m^2={m2!r}" if math.isfinite(m2) and (m2 != 0 or scaled == 0) else (
            f"m^2={scaled!r}*{scale!r}^2")
        raise DataError(
            f"{source}: four-vector {name!r} is unphysical at {count} event(s), first at row "
            f"{first + row_offset} (E={float(e[first])!r}, {shown}); "
            f"E must be >= 0 and m^2 >= {-tolerance}*E^2"
        )
    return bool(np.isfinite(total))


def _rescale(s: np.ndarray, comps: tuple[np.ndarray, ...], tolerance: float) -> None:
    """Recompute ``s = E²(1 + tol) − |p|²`` (up to a positive factor) where the plain squares are
    untrustworthy: finite components whose result is not finite (overflow), or E below ~1e-150
    (underflow).  Each such event is divided by its largest component before squaring."""
    e = comps[0]
    finite = np.isfinite(e) & np.isfinite(comps[1]) & np.isfinite(comps[2]) & np.isfinite(comps[3])
    redo = finite & (~np.isfinite(s) | (np.abs(e) < _TINY))
    if not redo.any():
        return
    parts = [c[redo] for c in comps]
    scale = np.maximum.reduce([np.abs(c) for c in parts])
    scale[scale == 0] = 1.0  # the zero vector: E = 0, |p| = 0 is physical
    x = [c / scale for c in parts]
    s[redo] = x[0] * x[0] * (1.0 + tolerance) - x[1] * x[1] - x[2] * x[2] - x[3] * x[3]


class Validator:
    """The checks of one dataset, submitted as its columns become available, run on worker threads.

    :meth:`finish` waits and raises the error a serial check would raise first: non-finite
    values in column order, then unphysical four-vectors in submission order.  Columns may
    also be submitted in row blocks (``row0``); the counts in a message are then those of the
    first failing block.

    Parameters
    ----------
    columns : sequence of str
        All column names, in the order errors are ranked.
    check_finite : bool
        Check every column for NaN/inf.
    always_finite : collection of str
        Columns checked even when ``check_finite`` is False (the weights).
    source : str
    row_offset : int
        Added to row numbers in messages.
    threads : int
        Worker threads (``<= 1``, or fewer than 2**17 rows: checks run at submission).
    n_rows : int

    Examples
    --------
    >>> v = Validator(["x", "w"], check_finite=False, always_finite=["w"], source="demo", n_rows=2)
    >>> v.column("x", np.array([np.nan, 1.0])); v.column("w", np.array([1.0, np.inf]))
    >>> v.finish()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.DataError: demo: column 'w' has 1 non-finite value(s), first at row 1 (inf); ...
    """

    def __init__(self, columns: Sequence[str], *, check_finite: bool, always_finite: Collection[str], source: str,
                 row_offset: int = 0, threads: int = 1, n_rows: int = 0) -> None:
        self._order = {name: i for i, name in enumerate(columns)}
        self._check_finite = check_finite
        self._always = set(always_finite)
        self._source = source
        self._row_offset = row_offset
        self._p4_index: dict[str, int] = {}
        self._pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 and n_rows >= _THREADED_ROWS else None
        self._results: list[Future[list[_Error]] | list[_Error]] = []

    def _run(self, task: Callable[[], list[_Error]]) -> None:
        self._results.append(self._pool.submit(task) if self._pool is not None else task())

    def _finite(self, key: str, col: np.ndarray, row0: int) -> list[_Error]:
        try:
            check_finite_column(col, key, self._source, row_offset=self._row_offset + row0,
                                always=key in self._always)
        except DataError as exc:
            return [((0, self._order[key], row0), exc)]
        return []

    def column(self, key: str, col: np.ndarray, row0: int = 0) -> None:
        """Check one column (or its rows from ``row0`` on) that is not a four-vector component."""
        if self._check_finite or key in self._always:
            self._run(lambda: self._finite(key, col, row0))

    def p4(self, name: str, columns: Mapping[str, np.ndarray], tolerance: float = M2_TOLERANCE,
           row0: int = 0) -> None:
        """Check a four-vector given as {column name: array} of its (E, px, py, pz) columns, in order
        (or their rows from ``row0`` on)."""
        index = self._p4_index.setdefault(name, len(self._p4_index))

        def task() -> list[_Error]:
            errors: list[_Error] = []
            try:
                e, px, py, pz = columns.values()
                finite = check_physical(name, e, px, py, pz, self._source, row_offset=self._row_offset + row0,
                                        tolerance=tolerance)
            except DataError as exc:
                errors.append(((1, index, row0), exc))
                finite = False
            if not finite and self._check_finite:  # only now scan the components one by one
                for key, col in columns.items():
                    errors.extend(self._finite(key, col, row0))
            return errors

        self._run(task)

    def finish(self) -> None:
        """Wait for every check; raise the first error."""
        try:
            errors = [e for r in self._results for e in (r.result() if isinstance(r, Future) else r)]
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        if errors:
            raise min(errors, key=lambda item: item[0])[1]


def validate_columns(
    columns: Mapping[str, np.ndarray],
    p4s: Mapping[str, tuple[str, str, str, str]],
    *,
    check_finite: bool,
    always_finite: Collection[str],
    tolerances: Mapping[str, float],
    source: str,
    row_offset: int = 0,
    threads: int = 1,
) -> None:
    """Run every check on ``columns`` (see :class:`Validator`).

    Parameters
    ----------
    columns : mapping of column name -> 1-D float64 array
    p4s : mapping of four-vector name -> its (E, px, py, pz) column names
    check_finite, always_finite, source, row_offset, threads
        As for :class:`Validator`.
    tolerances : mapping of four-vector name -> relative m² tolerance (default 1e-9)

    Examples
    --------
    >>> cols = {"k_e": np.ones(3), "k_px": np.zeros(3), "k_py": np.zeros(3), "k_pz": np.zeros(3)}
    >>> validate_columns(cols, {"k": ("k_e", "k_px", "k_py", "k_pz")}, check_finite=True, always_finite=(),
    ...                  tolerances={}, source="demo")
    """
    n_rows = len(next(iter(columns.values()))) if columns else 0
    validator = Validator(list(columns), check_finite=check_finite, always_finite=always_finite, source=source,
                          row_offset=row_offset, threads=threads, n_rows=n_rows)
    in_p4: set[str] = set()
    for name, comps in p4s.items():
        validator.p4(name, {c: columns[c] for c in comps}, tolerances.get(name, M2_TOLERANCE))
        in_p4.update(comps)
    for key, col in columns.items():
        if key not in in_p4:
            validator.column(key, col)
    validator.finish()
