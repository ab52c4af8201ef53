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

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from gpu_laddu.errors import DataError

#: m² tolerance of the physicality check, relative to E², for float64 input
M2_TOLERANCE = 1e-9
_BLOCK = 1 << 16
_THREADED_ROWS = 1 << 17  # below this many events the checks run on the calling thread
_Error = tuple[tuple[int, int, int], DataError]  # ((0, column, row) non-finite | (1, p4, row) unphysical, error)


def check_finite_column(col: np.ndarray, name: str, source: str = "input", *, row_offset: int = 0) -> None:
    """Raise :class:`DataError` naming the column and the first row that is NaN or inf.

    >>> check_finite_column(np.array([1.0, 2.0]), "x")
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(col)):
            return
    bad = ~np.isfinite(col)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{source}: column {name!r} has {int(bad.sum())} non-finite value(s), first at row "
            f"{row + row_offset} ({float(col[row])!r}); pass check_finite=False to keep them"
        )


def check_physical(name: str, e: np.ndarray, px: np.ndarray, py: np.ndarray, pz: np.ndarray,
                   source: str = "input", *, row_offset: int = 0, tolerance: float = M2_TOLERANCE) -> bool:
    """Reject four-momenta with E < 0 or m² < -tolerance·E² (naming the p4 and the first row).

    Events with a NaN or infinite component pass (finiteness is checked separately and may be
    turned off).  Returns True when every component is finite (a by-product of the check;
    False may also mean that a huge value overflowed).

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
    with np.errstate(invalid="ignore", over="ignore"):
        for lo in range(0, n, _BLOCK):
            hi = min(n, lo + _BLOCK)
            s, t = buf[: hi - lo], tmp[: hi - lo]
            np.multiply(e[lo:hi], e[lo:hi], out=s)
            np.multiply(s, 1.0 + tolerance, out=s)  # E²(1 + tol) - |p|² >= 0  <=>  m² >= -tol·E²
            for comp in (px, py, pz):
                np.multiply(comp[lo:hi], comp[lo:hi], out=t)
                np.subtract(s, t, out=s)
            total += float(np.add.reduce(s))  # NaN or inf in any component makes this non-finite
            if not (np.fmin.reduce(s) < 0 or np.fmin.reduce(e[lo:hi]) < 0):  # fmin skips NaN
                continue
            bad = ((s < 0) | (e[lo:hi] < 0)) & np.isfinite(s)
            found = int(bad.sum())
            if found and first is None:
                first = lo + int(np.argmax(bad))
            count += found
    if first is not None:
        m2 = e[first] ** 2 - px[first] ** 2 - py[first] ** 2 - pz[first] ** 2
        raise DataError(
            f"{source}: four-vector {name!r} is unphysical at {count} event(s), first at row "
            f"{first + row_offset} (E={float(e[first])!r}, m^2={float(m2)!r}); "
            f"E must be >= 0 and m^2 >= {-tolerance}*E^2"
        )
    return bool(np.isfinite(total))


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
            check_finite_column(col, key, self._source, row_offset=self._row_offset + row0)
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
