"""Generation inputs of a reaction channel, with laddu 0.28.1's names.

* :class:`InitialMomentum` — an initial-state edge's momentum: a fixed four-vector, a fixed
  three-momentum, or an energy (fixed, uniform or from a histogram, e.g. a beam spectrum) along
  a fixed direction;
* :class:`MassProposal` — a fixed mass or a uniform range for an edge (a resonance's mass);
* :class:`VertexProposal` — how a vertex's decay angles are drawn (isotropic);
* :class:`ScalarSource` — extra per-event scalar columns (fixed, uniform, histogram).

Examples
--------
>>> InitialMomentum.uniform_energy(low=8.0, high=9.0, direction=[0, 0, 1]).kind
'uniform_energy'
>>> MassProposal(0.5, high=1.5).bounds
(0.5, 1.5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from gpu_laddu.errors import GpuLadduError


class GenerationError(GpuLadduError, ValueError):
    """An invalid generation request: a bad proposal, a channel that cannot be generated."""


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise GenerationError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _direction(direction: Any) -> tuple[float, float, float]:
    if isinstance(direction, str) or not isinstance(direction, Sequence) or len(direction) != 3:
        raise GenerationError(f"direction must be three numbers, got {direction!r}")
    d = [_finite(c, "direction component") for c in direction]
    norm = math.sqrt(sum(c * c for c in d))
    if norm == 0:
        raise GenerationError("direction must not be the zero vector")
    return (d[0] / norm, d[1] / norm, d[2] / norm)


def _histogram(edges: Any, counts: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    e, c = np.asarray(edges, dtype=float), np.asarray(counts, dtype=float)
    if (e.ndim != 1 or c.ndim != 1 or len(e) != len(c) + 1 or len(c) == 0 or not np.all(np.isfinite(e))
            or np.any(np.diff(e) <= 0) or not np.all(np.isfinite(c)) or np.any(c < 0) or c.sum() <= 0):
        raise GenerationError(f"{what}: a histogram needs increasing finite edges and one non-negative count "
                              f"per bin with a positive total")
    return e, c


def _pair(histogram: Any) -> tuple[Any, Any]:
    if hasattr(histogram, "bin_edges") and hasattr(histogram, "counts"):
        return histogram.bin_edges, histogram.counts
    if isinstance(histogram, Sequence) and not isinstance(histogram, str) and len(histogram) == 2:
        return histogram[0], histogram[1]
    raise GenerationError(f"a histogram is (bin_edges, counts), got {histogram!r}")


def sample_histogram(rng: np.random.Generator, edges: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """``n`` values from a piecewise-constant density (bin by count, uniform within the bin)."""
    cdf = np.cumsum(counts) / counts.sum()
    b = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(counts) - 1)
    return edges[b] + rng.random(n) * (edges[b + 1] - edges[b])


class InitialMomentum:
    """An initial-state edge's momentum (laddu 0.28.1's ``InitialMomentum``); use the constructors.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> beam = gl.InitialMomentum.energy(8.5, direction=[0, 0, 1])
    >>> target = gl.InitialMomentum.p4([0.938272, 0.0, 0.0, 0.0])
    >>> beam.kind, target.kind
    ('energy', 'p4')
    """

    def __init__(self, kind: str, values: tuple[Any, ...], direction: tuple[float, float, float] | None = None
                 ) -> None:
        self.kind, self.values, self.direction = kind, values, direction

    @staticmethod
    def p4(values: Sequence[float]) -> InitialMomentum:
        """A fixed four-vector ``(E, px, py, pz)``."""
        if isinstance(values, str) or not isinstance(values, Sequence) or len(values) != 4:
            raise GenerationError(f"InitialMomentum.p4 needs four numbers (E, px, py, pz), got {values!r}")
        return InitialMomentum("p4", tuple(_finite(v, "p4 component") for v in values))

    @staticmethod
    def momentum(values: Sequence[float]) -> InitialMomentum:
        """A fixed three-momentum; the energy comes from the edge's particle mass."""
        if isinstance(values, str) or not isinstance(values, Sequence) or len(values) != 3:
            raise GenerationError(f"InitialMomentum.momentum needs three numbers, got {values!r}")
        return InitialMomentum("momentum", tuple(_finite(v, "momentum component") for v in values))

    @staticmethod
    def energy(energy: float, *, direction: Sequence[float]) -> InitialMomentum:
        """A fixed energy along ``direction`` (normalised)."""
        return InitialMomentum("energy", (_finite(energy, "energy"),), _direction(direction))

    @staticmethod
    def uniform_energy(*, low: float, high: float, direction: Sequence[float]) -> InitialMomentum:
        """An energy drawn uniformly from ``[low, high)`` along ``direction``."""
        lo, hi = _finite(low, "low"), _finite(high, "high")
        if not hi > lo:
            raise GenerationError(f"uniform_energy needs low < high, got [{lo}, {hi})")
        return InitialMomentum("uniform_energy", (lo, hi), _direction(direction))

    @staticmethod
    def histogram_energy(histogram: tuple[Sequence[float], Sequence[float]], *, direction: Sequence[float]
                         ) -> InitialMomentum:
        """An energy drawn from a histogram ``(bin_edges, counts)`` (e.g. a beam spectrum) along ``direction``."""
        return InitialMomentum("histogram_energy", _histogram(*_pair(histogram), "histogram_energy"),
                               _direction(direction))

    def sample(self, rng: np.random.Generator, n: int, mass: float | None, edge: str) -> tuple[np.ndarray, ...]:
        """(E, px, py, pz) columns for ``n`` events."""
        if self.kind == "p4":
            return tuple(np.full(n, v) for v in self.values)
        if self.kind == "momentum":
            if mass is None:
                raise GenerationError(f"initial edge {edge!r}: InitialMomentum.momentum needs the particle's mass")
            p = self.values
            energy = math.sqrt(mass * mass + sum(c * c for c in p))
            return (np.full(n, energy), np.full(n, p[0]), np.full(n, p[1]), np.full(n, p[2]))
        e: np.ndarray
        if self.kind == "energy":
            e = np.full(n, self.values[0])
        elif self.kind == "uniform_energy":
            e = rng.uniform(self.values[0], self.values[1], n)
        else:
            e = sample_histogram(rng, self.values[0], self.values[1], n)
        m = 0.0 if mass is None else mass
        if np.any(e < m):
            raise GenerationError(f"initial edge {edge!r}: energy below the particle mass {m}")
        p3 = np.sqrt(e * e - m * m)
        assert self.direction is not None
        return (e, p3 * self.direction[0], p3 * self.direction[1], p3 * self.direction[2])


class MassProposal:
    """A fixed or uniformly proposed edge mass (laddu 0.28.1's ``MassProposal``).

    Parameters
    ----------
    value : float
        The fixed mass, or the lower limit when ``high`` is given.
    high : float, optional
        Exclusive upper limit of a uniform proposal.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> gl.MassProposal(0.13957).bounds, gl.MassProposal(0.5, high=1.5).bounds
    ((0.13957, 0.13957), (0.5, 1.5))
    """

    def __init__(self, value: float, high: float | None = None) -> None:
        lo = _finite(value, "MassProposal value")
        hi = lo if high is None else _finite(high, "MassProposal high")
        if lo < 0 or hi < lo or (high is not None and hi == lo):
            raise GenerationError(f"MassProposal needs 0 <= value < high, got value={value!r}, high={high!r}")
        self.bounds = (lo, hi)

    @property
    def fixed(self) -> bool:
        """Whether the mass is fixed."""
        return self.bounds[0] == self.bounds[1]


class VertexProposal:
    """How a vertex's angles are drawn (laddu 0.28.1's ``VertexProposal``).

    :meth:`isotropic` (the default) or, for a 2 → 2 vertex, :meth:`t_exchange`: the momentum
    transfer ``t = (p_incoming − p_outgoing)²`` drawn from ``exp(slope·t)`` (uniform without a
    slope, mixed with a uniform part by ``uniform_fraction``); the event weight divides by this
    density, so the generated events still follow phase space, with more of them where the
    proposal puts them.  ``t_min``/``t_max`` restrict t (and so the generated phase space).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> gl.VertexProposal.t_exchange(incoming="beam", outgoing="recoil", slope=5.0).kind
    't_exchange'
    """

    def __init__(self, kind: str, **options: Any) -> None:
        self.kind, self.options = kind, options

    @staticmethod
    def isotropic() -> VertexProposal:
        """Isotropic in the vertex's rest frame (the phase-space default)."""
        return VertexProposal("isotropic")

    @staticmethod
    def t_exchange(*, incoming: str, outgoing: str, slope: float | None = None, uniform_fraction: float = 0.0,
                   t_min: float | None = None, t_max: float | None = None) -> VertexProposal:
        """t drawn from ``exp(slope·t)`` (uniform when ``slope`` is None) between the kinematic limits."""
        for what, name in (("incoming", incoming), ("outgoing", outgoing)):
            if not isinstance(name, str) or not name:
                raise GenerationError(f"t_exchange {what} must be an edge name, got {name!r}")
        slope_value = None if slope is None else _finite(slope, "t_exchange slope")
        fraction = _finite(uniform_fraction, "uniform_fraction")
        if not 0.0 <= fraction <= 1.0:
            raise GenerationError(f"uniform_fraction must be in [0, 1], got {uniform_fraction!r}")
        lo = None if t_min is None else _finite(t_min, "t_min")
        hi = None if t_max is None else _finite(t_max, "t_max")
        if lo is not None and hi is not None and not lo < hi:
            raise GenerationError(f"t_exchange needs t_min < t_max, got [{lo}, {hi}]")
        return VertexProposal("t_exchange", incoming=incoming, outgoing=outgoing, slope=slope_value,
                              uniform_fraction=fraction, t_min=lo, t_max=hi)

    def sample_t(self, rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(t, its proposal density) per event on ``[low, high]`` (``low < high``)."""
        slope, fraction = self.options["slope"], self.options["uniform_fraction"]
        width = high - low
        u, pick = rng.random(len(low)), rng.random(len(low))
        uniform_t = low + u * width
        if slope is None or abs(slope) < 1e-10:
            return uniform_t, 1.0 / width
        exp_t = low + np.log1p(u * np.expm1(slope * width)) / slope
        t = np.where(pick < fraction, uniform_t, exp_t)
        density = fraction / width + (1.0 - fraction) * slope * np.exp(slope * (t - low)) / np.expm1(slope * width)
        return t, density


class ScalarSource:
    """An extra generated scalar column (laddu 0.28.1's ``ScalarSource``).

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> src = gl.ScalarSource.uniform(0.2, 0.3)
    >>> v = src.sample(np.random.default_rng(0), 100)
    >>> bool(((v >= 0.2) & (v < 0.3)).all())
    True
    """

    def __init__(self, kind: str, values: tuple[Any, ...]) -> None:
        self.kind, self.values = kind, values

    @staticmethod
    def fixed(value: float) -> ScalarSource:
        """One fixed value."""
        return ScalarSource("fixed", (_finite(value, "ScalarSource.fixed value"),))

    @staticmethod
    def uniform(low: float, high: float) -> ScalarSource:
        """Uniform in ``[low, high)``."""
        lo, hi = _finite(low, "low"), _finite(high, "high")
        if not hi > lo:
            raise GenerationError(f"ScalarSource.uniform needs low < high, got [{lo}, {hi})")
        return ScalarSource("uniform", (lo, hi))

    @staticmethod
    def histogram(histogram: tuple[Sequence[float], Sequence[float]]) -> ScalarSource:
        """From a piecewise-constant histogram ``(bin_edges, counts)``."""
        return ScalarSource("histogram", _histogram(*_pair(histogram), "ScalarSource.histogram"))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` values."""
        if self.kind == "fixed":
            return np.full(n, self.values[0])
        if self.kind == "uniform":
            return rng.uniform(self.values[0], self.values[1], n)
        return sample_histogram(rng, self.values[0], self.values[1], n)
