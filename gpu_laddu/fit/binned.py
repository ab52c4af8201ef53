"""Mass-independent (binned) fits: one likelihood fit per bin of a :class:`~gpu_laddu.data.ops.BinnedDataset`.

``fit_binned(model, data_bins, accmc_bins)`` builds an ``ExtendedNLL`` (or a shape-only ``NLL``)
in every bin and fits it, with one progress bar over the bins.  Before any work it checks that
the binnings agree and that no bin of the data or the accepted MC is empty (a
:class:`~gpu_laddu.errors.DataError` names the bins).  A bin whose fit fails (a start where the
likelihood cannot be evaluated, an optimiser error) is recorded with its error message and the
other bins go on.  With ``waves`` the fitted yields per wave (accepted, and acceptance-corrected
with ``genmc_bins``) and their errors are computed in every bin
(:mod:`gpu_laddu.likelihood.yields`).

Every bin runs on the context of its datasets (one GPU, or the ranks of an MPI communicator,
which then share each bin's events).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> class X:
...     key = ("doc-x",)
...     def value(self, ds): return ds.scalar("x")
>>> rng = np.random.default_rng(1)
>>> data = gl.from_numpy(scalars={"x": rng.uniform(0, 1, 300)}, ctx=ctx).bin_by(X(), 3, (0.0, 1.0))
>>> acc = gl.from_numpy(scalars={"x": rng.uniform(0, 1, 600)}, weights=np.full(600, 0.5),
...                     ctx=ctx).bin_by(X(), 3, (0.0, 1.0))
>>> a = gl.parameter("a", initial=1.0, bounds=(0.0, 100.0))
>>> binned = fit_binned(gl.Model(gl.Scalar("A", a).norm_sqr()), data, acc, waves={"A": ["A"]}, progress=False)
>>> [round(binned.yields[i]["A"].accepted.value) == data[i].n_events for i in range(3)]
[True, True, True]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gpu_laddu.errors import DataError, GpuLadduError
from gpu_laddu.fit.result import FitResult
from gpu_laddu.progress import progress_bar


@dataclass(frozen=True, eq=False)
class BinnedFitResult:
    """The fits of every bin.

    Attributes
    ----------
    edges : numpy.ndarray
        Bin edges (``n_bins + 1``).
    results : tuple of FitResult or None
        The fit of each bin (``None`` where it failed).
    failures : dict of int to str
        Bin index → error message of the bins whose fit failed.
    yields : tuple of dict
        Per bin, wave label → :class:`~gpu_laddu.likelihood.yields.Yield` (empty where the fit
        failed or no ``waves`` were asked for).
    """

    edges: np.ndarray
    results: tuple[FitResult | None, ...]
    failures: dict[int, str]
    yields: tuple[dict[str, Any], ...] = field(default=())

    @property
    def centers(self) -> np.ndarray:
        """Bin centres."""
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    @property
    def waves(self) -> tuple[str, ...]:
        """Wave labels with yields."""
        return tuple(dict.fromkeys(k for y in self.yields for k in y))

    def yield_arrays(self, wave: str, which: str = "generated") -> tuple[np.ndarray, np.ndarray]:
        """Values and errors of one wave's ``"accepted"`` or ``"generated"`` yield per bin (NaN where failed)."""
        if which not in ("accepted", "generated"):
            raise DataError(f"which must be 'accepted' or 'generated', not {which!r}")
        if wave not in self.waves:
            raise DataError(f"no yields for wave {wave!r}; the waves are {list(self.waves)}")
        values = np.full(len(self.results), math.nan)
        errors = np.full(len(self.results), math.nan)
        for i, y in enumerate(self.yields):
            if wave in y:
                est = getattr(y[wave], which)
                values[i], errors[i] = est.value, est.error
        return values, errors

    def table(self) -> str:
        """A text table: one row per bin (range, status, fval, and each wave's corrected yield)."""
        waves = self.waves
        head = f"{'bin':>4} {'range':>21} {'status':<26} {'fval':>14}" + "".join(f" {w:>22}" for w in waves)
        lines = [head]
        for i, r in enumerate(self.results):
            lo, hi = self.edges[i], self.edges[i + 1]
            if r is None:
                lines.append(f"{i:>4} {f'[{lo:.4g}, {hi:.4g})':>21} {'FAILED':<26} {'':>14}")
                continue
            status = "ok" if r.converged and r.accurate else ("valid, cov. NOT accurate" if r.valid else "INVALID")
            cells = "".join(f" {str(self.yields[i][w].generated) if w in self.yields[i] else '':>22}" for w in waves)
            lines.append(f"{i:>4} {f'[{lo:.4g}, {hi:.4g})':>21} {status:<26} {r.fval:>14.8g}{cells}")
        for i, msg in sorted(self.failures.items()):
            lines.append(f"bin {i} failed: {msg}")
        return "\n".join(lines)

    def __str__(self) -> str:
        n_ok = sum(r is not None for r in self.results)
        return f"BinnedFitResult: {n_ok}/{len(self.results)} bins fitted\n" + self.table()


def _check_bins(name: str, bins: Any, edges: np.ndarray) -> None:
    if len(bins) != len(edges) - 1 or not np.array_equal(np.asarray(bins.edges), edges):
        raise DataError(f"{name} is binned differently from the data: edges {np.asarray(bins.edges).tolist()} "
                        f"vs {edges.tolist()}; bin both with the same variable and edges")


def fit_binned(
    model: Any,
    data: Any,
    accmc: Any,
    *,
    genmc: Any = None,
    extended: bool = True,
    waves: Mapping[str, str | Iterable[str]] | None = None,
    initial: Mapping[str, float] | Sequence[Mapping[str, float] | None] | None = None,
    method: str = "migrad",
    progress: bool = True,
    keep_minuit: bool = False,
    **fit_kwargs: Any,
) -> BinnedFitResult:
    """Fit ``model`` in every bin.

    Parameters
    ----------
    model : Model
        The mass-independent model (typically partial waves with free complex coefficients).
    data, accmc : BinnedDataset
        The data and accepted MC, binned with the same edges (``Dataset.bin_by``).
    genmc : BinnedDataset, optional
        Generated MC in the same bins: yields are then also acceptance-corrected.
    extended : bool
        ``ExtendedNLL`` (default: yields are absolute) or the shape-only ``NLL``.
    waves : mapping of label to amplitude names, optional
        Yields to compute in every bin (glob patterns allowed).
    initial : mapping, or one mapping (or None) per bin, optional
        Start values (partial mappings take the parameter definitions' values).
    method, progress, **fit_kwargs
        Passed to :func:`gpu_laddu.fit.fit` (``max_calls``, ``tol``, ``n_restarts``, ``seed``, ...).
    keep_minuit : bool
        Keep each bin's ``iminuit.Minuit`` on its result (for ``minos``).  Off by default: a
        Minuit object keeps its bin's likelihood, and with it the bin's precomputed columns,
        in memory.

    Raises
    ------
    DataError
        Different binnings, or an empty bin of the data or the accepted MC (before any fit).
    """
    from gpu_laddu.fit.minimize import check_method, fit
    from gpu_laddu.likelihood.nll import NLL, ExtendedNLL

    check_method(method)
    edges = np.asarray(data.edges, dtype=np.float64)
    _check_bins("the accepted MC", accmc, edges)
    if genmc is not None:
        _check_bins("the generated MC", genmc, edges)
    empty = [i for i, d in enumerate(data) if d.n_events_global == 0]
    empty_mc = [i for i, d in enumerate(accmc) if d.n_events_global == 0]
    if empty or empty_mc:
        what = ([f"data bin(s) {empty}"] if empty else []) + ([f"accepted-MC bin(s) {empty_mc}"] if empty_mc else [])
        raise DataError(f"cannot fit empty bins: {' and '.join(what)} (edges {edges.tolist()}); "
                        "merge bins or narrow the range")
    n_bins = len(edges) - 1
    starts: list[Mapping[str, float] | None]
    if initial is None or isinstance(initial, Mapping):
        starts = [initial] * n_bins
    else:
        starts = list(initial)
        if len(starts) != n_bins:
            raise DataError(f"initial has {len(starts)} entries for {n_bins} bins")
    cls = ExtendedNLL if extended else NLL
    results: list[FitResult | None] = []
    failures: dict[int, str] = {}
    table: list[dict[str, Any]] = []
    rank = int(getattr(data[0].ctx, "rank", 0))
    with progress_bar(progress, rank, total=n_bins, desc="bins", unit=" bins") as bar:
        for i in range(n_bins):
            try:
                nll = cls(model, data[i], accmc[i])
                res = fit(nll, starts[i], method, progress=False, **fit_kwargs)
                ys = nll.yields(res, genmc[i] if genmc is not None else accmc[i], waves) if waves else {}
            except GpuLadduError as exc:
                results.append(None)
                table.append({})
                failures[i] = f"{type(exc).__name__}: {exc}"
            else:
                results.append(res if keep_minuit else replace(res, minuit=None))
                table.append(ys)
            bar.set_postfix(failed=len(failures), refresh=False)
            bar.update(1)
    return BinnedFitResult(edges, tuple(results), failures, tuple(table))
