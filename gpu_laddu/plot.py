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
from collections.abc import Mapping
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
    ylabel: str = "Events / bin",
    title: str | None = None,
    path: str | Path = "projection.png",
    figsize: tuple[float, float] = (6.4, 4.8),
    dpi: int = 100,
) -> Path:
    """Plot data (points with √(Σw²) errors), the fitted total and each wave (step lines) to a PNG.

    Parameters
    ----------
    data_values, data_weights, mc_values, mc_weights, components, bins, range
        As for :func:`projection_histograms`.
    xlabel, ylabel, title : str
        Axis labels and an optional title.
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
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'gpu_laddu[plot]'") from exc
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    centres = 0.5 * (h.edges[:-1] + h.edges[1:])
    ax.stairs(h.total, h.edges, color="black", linewidth=1.5, label="fit")
    for name, counts in h.components.items():
        ax.stairs(counts, h.edges, linewidth=1.0, label=name)
    ax.errorbar(centres, h.data, yerr=h.data_error, fmt="o", markersize=3, color="black", label="data")
    ax.set_xlim(h.edges[0], h.edges[-1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    out = Path(path)
    fig.savefig(out, format="png")
    return out
