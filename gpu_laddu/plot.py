"""Projection plots: data against the fitted model and its isolated waves (``pip install gpu_laddu[plot]``).

Arrays may be NumPy or CuPy (copied to the host) or anything :func:`numpy.asarray` accepts.
matplotlib is imported only when a plot is drawn, and draws with its Agg backend (no display
needed, pyplot's global state untouched).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x_data, x_mc = rng.uniform(0, 1, 500), rng.uniform(0, 1, 5000)
>>> h = projection_histograms(x_data, None, x_mc, np.full(5000, 0.1), bins=5, range=(0, 1))
>>> float(h.data.sum()), round(float(h.total.sum()), 6)
(500.0, 500.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gpu_laddu.errors import DataError


def _host(values: Any, what: str, length: int | None = None) -> np.ndarray:
    """A 1-D float64 host array (CuPy arrays are copied with ``.get()``)."""
    if not isinstance(values, np.ndarray) and hasattr(values, "get"):
        values = values.get()
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be an array of numbers") from exc
    if arr.ndim != 1:
        raise DataError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise DataError(f"{what} has {arr.shape[0]} entries, expected {length}")
    return arr


@dataclass(frozen=True)
class ProjectionHistograms:
    """Binned contents of a projection plot.

    Attributes
    ----------
    edges : numpy.ndarray
        ``bins + 1`` bin edges.
    data, data_error : numpy.ndarray
        Σw and √(Σw²) of the data per bin.
    total : numpy.ndarray
        Σ of the fitted per-MC-event weights per bin.
    components : dict of str to numpy.ndarray
        The same for each isolated wave.
    """

    edges: np.ndarray
    data: np.ndarray
    data_error: np.ndarray
    total: np.ndarray
    components: dict[str, np.ndarray]


def projection_histograms(
    data_values: Any,
    data_weights: Any,
    mc_values: Any,
    mc_weights: Any,
    components: Mapping[str, Any] | None = None,
    *,
    bins: int = 50,
    range: tuple[float, float] | None = None,
) -> ProjectionHistograms:
    """Histogram data and weighted MC on common bins.

    Parameters
    ----------
    data_values, data_weights : array-like
        The variable per data event and the event weights (None for unit weights).
    mc_values, mc_weights : array-like
        The variable per MC event and the fitted weights (e.g. ``nll.project(p, mc=genmc)``).
    components : mapping of str to array-like, optional
        Per-MC-event weights of isolated waves (e.g. ``nll.project_with(p, names, mc=genmc)``).
    bins : int
    range : (float, float), optional
        Defaults to the smallest and largest value of data and MC.

    Returns
    -------
    ProjectionHistograms

    Examples
    --------
    >>> h = projection_histograms([0.1, 0.2, 0.9], [1.0, 2.0, 3.0], [0.5], [4.0], bins=2, range=(0, 1))
    >>> h.data.tolist(), h.data_error.tolist(), h.total.tolist()
    ([3.0, 3.0], [2.23606797749979, 3.0], [0.0, 4.0])
    """
    x_data = _host(data_values, "data_values")
    w_data = np.ones_like(x_data) if data_weights is None else _host(data_weights, "data_weights", len(x_data))
    x_mc = _host(mc_values, "mc_values")
    w_mc = _host(mc_weights, "mc_weights", len(x_mc))
    parts = {name: _host(w, f"components[{name!r}]", len(x_mc)) for name, w in (components or {}).items()}
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise DataError(f"bins must be a positive integer, not {bins!r}")
    if range is None:
        both = np.concatenate([x_data, x_mc])
        if both.size == 0:
            raise DataError("cannot choose a histogram range for empty data and MC: give range=")
        range = (float(both.min()), float(both.max()))
    lo, hi = float(range[0]), float(range[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise DataError(f"range must be finite with low < high, got {range!r}")
    edges = np.linspace(lo, hi, int(bins) + 1)

    def hist(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.histogram(x, bins=edges, weights=w)[0]

    return ProjectionHistograms(
        edges=edges,
        data=hist(x_data, w_data),
        data_error=np.sqrt(hist(x_data, w_data**2)),
        total=hist(x_mc, w_mc),
        components={name: hist(x_mc, w) for name, w in parts.items()},
    )


def pull_values(h: ProjectionHistograms) -> np.ndarray:
    """(data − fit)/√(Σw²) per bin (0 where a bin has no data error).

    >>> h = projection_histograms([0.1, 0.2, 0.7], None, [0.1, 0.7], [1.0, 2.0], bins=2, range=(0, 1))
    >>> pull_values(h).tolist()
    [0.7071067811865475, -1.0]
    """
    err = h.data_error
    return np.where(err > 0, (h.data - h.total) / np.where(err > 0, err, 1.0), 0.0)


def plot_projection(
    data_values: Any,
    data_weights: Any,
    mc_values: Any,
    mc_weights: Any,
    components: Mapping[str, Any] | None = None,
    *,
    bins: int = 50,
    range: tuple[float, float] | None = None,
    xlabel: str = "",
    ylabel: str | None = None,
    unit: str = "",
    title: str | None = None,
    path: str | Path = "projection.png",
    figsize: tuple[float, float] = (6.4, 4.8),
    dpi: int = 100,
    pulls: bool = True,
    interference: bool = True,
) -> Path:
    """Plot data (points with √(Σw²) errors), the fitted total and each wave (step lines) to a PNG.

    Parameters
    ----------
    data_values, data_weights, mc_values, mc_weights, components, bins, range
        As for :func:`projection_histograms`.
    xlabel, title : str
        The x-axis label (``unit`` is appended in brackets) and an optional title.
    ylabel : str, optional
        Default ``"Events / <bin width> <unit>"``, e.g. ``"Events / 0.025 GeV"``.
    unit : str
        The variable's unit (``"GeV"``; empty for angles' cos θ).
    pulls : bool
        A panel below with (data − fit)/σ<sub>data</sub> per bin.
    interference : bool
        With components, also draw ``total − Σ components`` ("interference"), so that the
        drawn curves add up to the total.
    path : str or Path
        Output file (PNG).
    figsize, dpi
        Size in inches and resolution: the image is ``figsize × dpi`` pixels.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, 100)
    >>> out = plot_projection(x, None, x, np.ones(100), {"S": 0.5 * np.ones(100)}, bins=10,
    ...                       path=os.path.join(tempfile.mkdtemp(), "p.png"))
    >>> out.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    h = projection_histograms(data_values, data_weights, mc_values, mc_weights, components, bins=bins, range=range)
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    if pulls:
        ax, pax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1), "hspace": 0.05})
    else:
        ax, pax = fig.add_subplot(), None
    _draw(ax, pax, h, xlabel=xlabel, ylabel=ylabel, unit=unit, title=title, interference=interference)
    out = Path(path)
    fig.savefig(out, format="png")
    return out


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'gpu_laddu[plot]'") from exc
    return Figure, FigureCanvasAgg


def _draw(ax: Any, pax: Any, h: ProjectionHistograms, *, xlabel: str, ylabel: str | None, unit: str,
          title: str | None, interference: bool, legend: bool = True) -> None:
    """One projection: fit, waves, interference and data on ``ax``; pulls on ``pax`` (if any)."""
    centres = 0.5 * (h.edges[:-1] + h.edges[1:])
    ax.stairs(h.total, h.edges, color="black", linewidth=1.5, label="fit")
    for name, counts in h.components.items():
        ax.stairs(counts, h.edges, linewidth=1.0, label=name)
    if interference and h.components:
        rest = h.total - sum(h.components.values())
        ax.stairs(rest, h.edges, linewidth=1.0, linestyle="--", color="grey", label="interference")
    ax.errorbar(centres, h.data, yerr=h.data_error, fmt="o", markersize=3, color="black", label="data")
    ax.set_xlim(h.edges[0], h.edges[-1])
    full_xlabel = f"{xlabel} [{unit}]" if unit else xlabel
    width = f"{h.edges[1] - h.edges[0]:.3g}{' ' + unit if unit else ''}"
    ax.set_ylabel(ylabel if ylabel is not None else f"Events / {width}")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize="small")
    if pax is not None:
        ax.tick_params(labelbottom=False)
        pax.axhline(0.0, color="black", linewidth=0.8)
        pax.bar(centres, pull_values(h), width=h.edges[1] - h.edges[0], color="grey")
        pax.set_ylabel("pull")
        pax.set_xlabel(full_xlabel)
    else:
        ax.set_xlabel(full_xlabel)


@dataclass(frozen=True)
class Axis:
    """One panel of :func:`plot_projections`: a variable's values on the data and on the MC.

    Attributes
    ----------
    label : str
        The x-axis label (``"cos θ"``, ``"φ"``, ``"m(KsKs)"``).
    data_values, mc_values : array-like
        The variable per data event and per MC event.
    bins : int
    range : (float, float), optional
    unit : str
        Appended to the axis label and the bin width (``"GeV"``, ``"rad"``).
    """

    label: str
    data_values: Any
    mc_values: Any
    bins: int = 40
    range: tuple[float, float] | None = None
    unit: str = ""


def plot_projections(
    axes: Sequence[Axis],
    data_weights: Any,
    mc_weights: Any,
    components: Mapping[str, Any] | None = None,
    *,
    title: str | None = None,
    path: str | Path = "projections.png",
    columns: int = 2,
    panel_size: tuple[float, float] = (4.8, 4.0),
    dpi: int = 100,
    interference: bool = True,
) -> Path:
    """Several projections of one fit side by side (e.g. the mass and the angles cos θ, φ, Φ).

    Each panel is drawn as by :func:`plot_projection` (pull panel, bin width in the y label,
    the waves and their interference); the legend is on the first panel.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> rng = np.random.default_rng(1)
    >>> m, c = rng.uniform(1, 2, 200), rng.uniform(-1, 1, 200)
    >>> out = plot_projections([Axis("m", m, m, 10, unit="GeV"), Axis("cos θ", c, c, 10, (-1, 1))],
    ...                        None, np.ones(200), path=os.path.join(tempfile.mkdtemp(), "p.png"))
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    if not axes:
        raise DataError("plot_projections needs at least one Axis")
    if isinstance(columns, bool) or not isinstance(columns, (int, np.integer)) or columns < 1:
        raise DataError(f"columns must be a positive integer, not {columns!r}")
    hists = [projection_histograms(a.data_values, data_weights, a.mc_values, mc_weights, components, bins=a.bins,
                                   range=a.range) for a in axes]
    Figure, FigureCanvasAgg = _matplotlib()
    n_cols = min(int(columns), len(axes))
    n_rows = -(-len(axes) // n_cols)
    fig = Figure(figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows), dpi=dpi)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2 * n_rows, n_cols, height_ratios=[3, 1] * n_rows, hspace=0.5, wspace=0.3)
    for k, (a, h) in enumerate(zip(axes, hists)):
        row, col = divmod(k, n_cols)
        ax = fig.add_subplot(grid[2 * row, col])
        pax = fig.add_subplot(grid[2 * row + 1, col], sharex=ax)
        _draw(ax, pax, h, xlabel=a.label, ylabel=None, unit=a.unit, title=None, interference=interference,
              legend=k == 0)
    if title:
        fig.suptitle(title)
    out = Path(path)
    fig.savefig(out, format="png")
    return out


def plot_yields(
    result: Any,
    waves: Sequence[str] | None = None,
    *,
    which: str = "generated",
    xlabel: str = "",
    unit: str = "",
    title: str | None = None,
    path: str | Path = "yields.png",
    figsize: tuple[float, float] = (6.4, 4.8),
    dpi: int = 100,
) -> Path:
    """Yields per wave against the binning variable, with errors, from :func:`gpu_laddu.fit_binned`.

    Parameters
    ----------
    result : BinnedFitResult
    waves : sequence of str, optional
        Which waves (default: all with yields).
    which : {"generated", "accepted"}
        Acceptance-corrected or accepted yields.
    xlabel, unit, title, path, figsize, dpi
        As for :func:`plot_projection`; the y label is ``"<which> yield / <bin width> <unit>"``.
    """
    names = list(result.waves if waves is None else waves)
    if not names:
        raise DataError("the binned fit has no yields to plot: pass waves= to fit_binned")
    series = {w: result.yield_arrays(w, which) for w in names}
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    centres, widths = result.centers, np.diff(result.edges)
    for k, (name, (values, errors)) in enumerate(series.items()):
        shift = (k - (len(series) - 1) / 2) * 0.08 * widths  # side by side within the bin
        ax.errorbar(centres + shift, values, yerr=errors, xerr=None, fmt="o", markersize=3, capsize=2, label=name)
    width = float(widths[0]) if np.allclose(widths, widths[0]) else None
    per = f" / {width:.3g}{' ' + unit if unit else ''}" if width is not None else " per bin"
    ax.set_ylabel(f"{which} yield{per}")
    ax.set_xlabel(f"{xlabel} [{unit}]" if unit else xlabel)
    ax.set_xlim(result.edges[0], result.edges[-1])
    if title:
        ax.set_title(title)
    ax.legend()
    out = Path(path)
    fig.savefig(out, format="png")
    return out
