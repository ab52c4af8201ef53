"""Seeded n-body phase-space events (Raubold-Lynch / GENBOD), weighted or unweighted.

A parent of mass M decays to k daughters through a chain of two-body decays
``M -> S_{k-2} + m_{k-1}``, ``S_{k-2} -> S_{k-3} + m_{k-2}``, ..., ``S_1 -> m_0 + m_1``: the
sub-system masses are ``M_j = m_0 + ... + m_j + r_j (M - Σm)`` with sorted uniform ``r_j``,
each two-body decay is isotropic in its mother's rest frame, and the event weight is
``Π_j q_j`` (the breakup momenta), the phase-space density of the sampled point up to a
constant.  Weights are divided by GENBOD's upper bound so that ``0 < w <= 1``; the unweighted
mode keeps a candidate when a uniform number falls below its weight.

Reproducibility does not depend on the number of MPI ranks: events are made in fixed global
blocks of :data:`BLOCK_SIZE`, block ``b`` drawing from
``np.random.SeedSequence([seed, stream, b])``; a block always draws whole chunks of
``BLOCK_SIZE`` candidates and keeps the first accepted ones, so event ``i`` of the sequence is
the same whichever range, rank layout or sample size asks for it.  A rank generates only the
blocks overlapping its share ``partition(n_events, rank, size)``.  Generation runs in NumPy on
the host; the Dataset is then moved to the context's device.

Examples
--------
>>> import numpy as np
>>> p4s, w = phase_space_events(3.0, [0.5, 0.5, 1.0], 4, seed=1)
>>> len(p4s), p4s[0].shape, w.tolist()
(3, (4, 4), [1.0, 1.0, 1.0, 1.0])
>>> np.allclose(sum(p4s), [3.0, 0.0, 0.0, 0.0])
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.dataset import Dataset, build_dataset
from gpu_laddu.data.ops import check_seed
from gpu_laddu.distributed.comm import partition
from gpu_laddu.errors import DataError
from gpu_laddu.physics.vectors import Vec4, beta, boost

BLOCK_SIZE = 2**16
"""Events per seeded block (and candidates per accept/reject chunk)."""

KSHORT_MASS = 0.497611
"""K_S mass in GeV."""

PROTON_MASS = 0.938272
"""Proton mass in GeV."""


def breakup_momentum(m: np.ndarray | float, m1: np.ndarray | float, m2: np.ndarray | float) -> np.ndarray:
    """Momentum of either daughter in the rest frame of ``m -> m1 + m2`` (0 at threshold).

    q = sqrt(λ(m², m1², m2²)) / (2m), with λ clipped at 0 against rounding at threshold.

    >>> float(breakup_momentum(5.0, 3.0, 0.0))
    1.6
    """
    m, m1, m2 = np.asarray(m, float), np.asarray(m1, float), np.asarray(m2, float)
    lam = (m * m - (m1 + m2) ** 2) * (m * m - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2.0 * m)


class NBodyPhaseSpace:
    """Phase space of a parent of fixed mass at rest decaying to ``masses``.

    Parameters
    ----------
    parent_mass : float
        Mass of the decaying system (e.g. √s).
    masses : sequence of float
        Daughter masses (at least two), in the order the events list them.

    Attributes
    ----------
    max_weight : float
        GENBOD's upper bound of ``Π q_j``; :meth:`sample` divides weights by it.

    Examples
    --------
    >>> ps = NBodyPhaseSpace(2.0, [0.1, 0.2, 0.3, 0.4])
    >>> p4s, w = ps.sample(np.random.default_rng(0), 1000)
    >>> bool(np.allclose(sum(p4s), [2.0, 0, 0, 0])), bool((w > 0).all() and (w <= 1).all())
    (True, True)
    """

    def __init__(self, parent_mass: float, masses: Sequence[float]) -> None:
        self.parent_mass = float(parent_mass)
        self.masses = tuple(float(m) for m in masses)
        if len(self.masses) < 2:
            raise DataError(f"phase space needs at least two daughters, got masses {list(self.masses)}")
        if min(self.masses) < 0:
            raise DataError(f"daughter masses must be >= 0, got {list(self.masses)}")
        self.kinetic = self.parent_mass - sum(self.masses)
        if not self.kinetic > 0:
            raise DataError(
                f"parent mass {self.parent_mass} is below the threshold {sum(self.masses)} of daughters "
                f"{list(self.masses)}"
            )
        emmax, emmin, wtmax = self.kinetic + self.masses[0], 0.0, 1.0
        for j in range(1, len(self.masses)):
            emmin += self.masses[j - 1]
            emmax += self.masses[j]
            wtmax *= float(breakup_momentum(emmax, emmin, self.masses[j]))
        self.max_weight = wtmax

    def sample(self, rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], np.ndarray]:
        """``n`` weighted events in the parent rest frame.

        Returns
        -------
        p4s : list of (n, 4) arrays
            (E, px, py, pz) of each daughter, in the order of ``masses``.
        weights : (n,) array
            ``Π q_j / max_weight``, in (0, 1].
        """
        k, m, big_m = len(self.masses), self.masses, self.parent_mass
        u = rng.random((n, (k - 2) + 2 * (k - 1)))
        r = np.sort(u[:, : k - 2], axis=1)
        cum = np.cumsum(m)
        inv = [np.full(n, m[0])] + [cum[j] + r[:, j - 1] * self.kinetic for j in range(1, k - 1)]
        inv.append(np.full(n, big_m))
        q = [breakup_momentum(inv[j], inv[j - 1], m[j]) for j in range(1, k)]
        weights = np.prod(q, axis=0) / self.max_weight
        zero = np.zeros(n)
        mother: Vec4 = (np.full(n, big_m), zero, zero, zero)
        daughters: list[Vec4] = [mother] * k
        for j in range(k - 1, 0, -1):
            qj = q[j - 1]
            cos_t = 2.0 * u[:, k - 2 + 2 * (j - 1)] - 1.0
            phi = 2.0 * np.pi * u[:, k - 2 + 2 * (j - 1) + 1]
            sin_t = np.sqrt(np.maximum(1.0 - cos_t * cos_t, 0.0))
            px, py, pz = qj * sin_t * np.cos(phi), qj * sin_t * np.sin(phi), qj * cos_t
            rest: Vec4 = (np.sqrt(qj * qj + inv[j - 1] ** 2), px, py, pz)
            dj: Vec4 = (np.sqrt(qj * qj + m[j] ** 2), -px, -py, -pz)
            if j < k - 1:
                b = beta(mother)
                rest, dj = boost(np, rest, b), boost(np, dj, b)
            daughters[j], mother = dj, rest
        daughters[0] = mother
        return [np.stack(d, axis=1) for d in daughters], weights

    def _block(self, rng: np.random.Generator, quota: int, weighted: bool, block_size: int
               ) -> tuple[list[np.ndarray], np.ndarray]:
        """The first ``quota`` events of one seeded block (accepted ones when unweighted)."""
        if weighted:
            p4s, w = self.sample(rng, block_size)
            return [p[:quota] for p in p4s], w[:quota]
        kept: list[list[np.ndarray]] = []
        n_kept = 0
        while n_kept < quota:
            p4s, w = self.sample(rng, block_size)
            accept = rng.random(block_size) < w
            kept.append([p[accept] for p in p4s])
            n_kept += int(accept.sum())
        out = [np.concatenate(parts)[:quota] for parts in zip(*kept)]
        return out, np.ones(quota)


def phase_space_events(
    parent_mass: float,
    masses: Sequence[float],
    stop: int,
    *,
    start: int = 0,
    seed: int = 0,
    stream: int = 0,
    weighted: bool = False,
    block_size: int = BLOCK_SIZE,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Events ``start .. stop-1`` of the seeded phase-space sequence, on the host.

    Parameters
    ----------
    parent_mass, masses
        As for :class:`NBodyPhaseSpace` (parent at rest).
    stop, start : int
        Global event range ``[start, stop)``.
    seed, stream : int
        Block ``b`` draws from ``SeedSequence([seed, stream, b])``; different streams are
        independent samples with the same seed.
    weighted : bool
        False (default): unweighted events (accept/reject), unit weights.  True: every
        candidate, with its phase-space weight in (0, 1].
    block_size : int
        Events per seeded block; the sequence depends on it, so keep the default.

    Returns
    -------
    p4s : list of (stop - start, 4) arrays
        Four-momenta of the daughters, in the order of ``masses``.
    weights : (stop - start,) array

    Examples
    --------
    >>> a, _ = phase_space_events(2.0, [0.1, 0.2, 0.3], 10, seed=3)
    >>> b, _ = phase_space_events(2.0, [0.1, 0.2, 0.3], 10, start=6, seed=3)
    >>> bool(np.array_equal(a[0][6:], b[0]))
    True
    """
    seed = check_seed(seed, "phase space generator")
    stream = check_seed(stream, "phase space generator", "stream")
    if not 0 <= start <= stop:
        raise DataError(f"bad event range [{start}, {stop})")
    if block_size < 1:
        raise DataError(f"block_size must be a positive integer, got {block_size}")
    ps = NBodyPhaseSpace(parent_mass, masses)
    p4_parts: list[list[np.ndarray]] = []
    w_parts: list[np.ndarray] = []
    for block in range(start // block_size, -(-stop // block_size)):
        lo, hi = block * block_size, (block + 1) * block_size
        rng = np.random.default_rng(np.random.SeedSequence([seed, stream, block]))
        p4s, w = ps._block(rng, min(hi, stop) - lo, weighted, block_size)
        cut = max(start - lo, 0)
        p4_parts.append([p[cut:] for p in p4s])
        w_parts.append(w[cut:])
    if not w_parts:
        return [np.empty((0, 4)) for _ in ps.masses], np.empty(0)
    return [np.concatenate(parts) for parts in zip(*p4_parts)], np.concatenate(w_parts)


def generate_phase_space(
    n_events: int,
    parent_mass: float,
    daughters: Mapping[str, float],
    *,
    seed: int = 0,
    stream: int = 0,
    weighted: bool = False,
    ctx: ExecutionContext | None = None,
) -> Dataset:
    """A Dataset of n-body phase-space decays of a parent at rest.

    Parameters
    ----------
    n_events : int
        Events over all ranks; this rank holds its ``partition`` share.
    parent_mass : float
    daughters : mapping of name -> mass
        Four-vector names and masses, in decay-chain order.
    seed, stream, weighted
        As for :func:`phase_space_events`.
    ctx : ExecutionContext, optional

    Examples
    --------
    >>> ds = generate_phase_space(100, 1.0, {"pi1": 0.13957, "pi2": 0.13957, "pi3": 0.13957})
    >>> ds.n_events, ds.p4_names, ds.has_explicit_weights
    (100, ('pi1', 'pi2', 'pi3'), False)
    """
    ctx = resolve_context(ctx)
    start, stop = _share(n_events, ctx)
    p4s, w = phase_space_events(parent_mass, list(daughters.values()), stop, start=start, seed=seed,
                                stream=stream, weighted=weighted)
    return build_dataset(ctx, {name: tuple(p.T) for name, p in zip(daughters, p4s)}, {},
                         w if weighted else None, source="generate_phase_space", n_events_global=n_events)


def generate_kskp(
    n_events: int,
    *,
    beam_energy: float = 8.5,
    pol_magnitude: float = 0.35,
    pol_angle: float = 0.0,
    seed: int = 0,
    stream: int = 0,
    weighted: bool = False,
    eps_columns: bool = False,
    ctx: ExecutionContext | None = None,
) -> Dataset:
    """γ p → K_S K_S p phase-space events for a linearly polarised photon beam.

    A photon of fixed lab energy ``beam_energy`` hits a proton at rest; the events are given
    in the γp centre-of-mass frame with the beam along +z (target along -z, not stored), so
    ``kshort1 + kshort2 + proton = beam + target = (√s, 0, 0, 0)``.  The three final-state
    particles are distributed by 3-body phase space (unweighted by default, unit weights).

    Parameters
    ----------
    n_events : int
        Events over all ranks (this rank holds its ``partition`` share).
    beam_energy : float
        Photon energy in the proton rest frame (GeV); must exceed the 1.52 GeV threshold.
    pol_magnitude, pol_angle : float
        Degree of linear polarisation P in [0, 1] and lab polarisation angle (radians), written
        as the constant scalar columns ``pol_magnitude`` and ``pol_angle``.
    seed, stream : int
        Seeds; :func:`generate_kskp_mc` uses ``stream=1`` for an independent sample.
    weighted : bool
        Keep every candidate with its phase-space weight instead of accept/reject.
    eps_columns : bool
        Also write the polarisation vector ε = P(cos φ, sin φ, 0) as ``eps_x, eps_y, eps_z``.
    ctx : ExecutionContext, optional

    Returns
    -------
    Dataset
        p4s ``beam, proton, kshort1, kshort2``; scalars ``pol_magnitude, pol_angle``
        (and ``eps_x, eps_y, eps_z``).

    Examples
    --------
    >>> ds = generate_kskp(1000, seed=7)
    >>> ds.n_events, ds.p4_names, ds.scalar_names
    (1000, ('beam', 'proton', 'kshort1', 'kshort2'), ('pol_magnitude', 'pol_angle'))
    """
    ctx = resolve_context(ctx)
    pol_magnitude = _real(pol_magnitude, "pol_magnitude")
    pol_angle = _real(pol_angle, "pol_angle")
    beam_energy = _real(beam_energy, "beam_energy")
    seed = check_seed(seed, "generate_kskp")
    stream = check_seed(stream, "generate_kskp", "stream")
    if not 0.0 <= pol_magnitude <= 1.0:
        raise DataError(f"pol_magnitude must be in [0, 1], got {pol_magnitude}")
    if not math.isfinite(pol_angle):
        raise DataError(f"pol_angle must be finite, got {pol_angle}")
    if not (math.isfinite(beam_energy) and beam_energy > 0):
        raise DataError(f"beam_energy must be a positive photon energy in GeV, got {beam_energy}")
    sqrt_s = math.sqrt(PROTON_MASS**2 + 2.0 * PROTON_MASS * beam_energy)
    start, stop = _share(n_events, ctx)
    (k1, k2, p), w = phase_space_events(sqrt_s, [KSHORT_MASS, KSHORT_MASS, PROTON_MASS], stop, start=start,
                                        seed=seed, stream=stream, weighted=weighted)
    n = stop - start
    q_beam = (sqrt_s**2 - PROTON_MASS**2) / (2.0 * sqrt_s)
    zeros = np.zeros(n)
    beam = (np.full(n, q_beam), zeros, zeros, np.full(n, q_beam))
    scalars = {"pol_magnitude": np.full(n, float(pol_magnitude)), "pol_angle": np.full(n, float(pol_angle))}
    if eps_columns:
        scalars["eps_x"] = np.full(n, pol_magnitude * math.cos(pol_angle))
        scalars["eps_y"] = np.full(n, pol_magnitude * math.sin(pol_angle))
        scalars["eps_z"] = zeros.copy()
    p4s = {"beam": beam, "proton": tuple(p.T), "kshort1": tuple(k1.T), "kshort2": tuple(k2.T)}
    return build_dataset(ctx, p4s, scalars, w if weighted else None, source="generate_kskp",
                         n_events_global=n_events)


def generate_kskp_mc(n_events: int, *, seed: int = 0, **kwargs: Any) -> Dataset:
    """Monte Carlo for normalisation ("accepted MC" of a perfect detector).

    The same γ p → K_S K_S p phase space as :func:`generate_kskp`, from an independent random
    stream (``stream=1``), so data and MC made with the same ``seed`` do not share events.
    Other keyword arguments are passed on.

    Examples
    --------
    >>> data, mc = generate_kskp(10, seed=1), generate_kskp_mc(10, seed=1)
    >>> bool((data.p4("proton")[0] != mc.p4("proton")[0]).all())
    True
    """
    return generate_kskp(n_events, seed=seed, stream=1, **kwargs)


def _real(value: Any, name: str) -> float:
    """``value`` as a float, or :class:`DataError` naming the argument ``name`` when it is not a real number."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    raise DataError(f"generate_kskp: {name} must be a real number, not {value!r}")


def _share(n_events: int, ctx: ExecutionContext) -> tuple[int, int]:
    if isinstance(n_events, bool) or not isinstance(n_events, (int, np.integer)) or n_events < 1:
        raise DataError(f"n_events must be a positive integer, got {n_events!r}")
    return partition(int(n_events), ctx.rank, ctx.size)
