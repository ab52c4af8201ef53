"""Phase-space events through a reaction :class:`~gpu_laddu.Channel` (laddu 0.28.1's ``Generator``).

The initial-state edges get their momenta from their :class:`InitialMomentum` (a fixed vector
or a beam-energy distribution); every vertex then decays its incoming system, in that
system's rest frame, into its outgoing edges (n-body phase space, isotropic, GENBOD for more
than two), whose masses are the particles' masses or are drawn from their
:class:`MassProposal`; the daughters are boosted back and decay in turn.  The event weight
is the phase-space density over the proposal density,

``w = Π_vertices [ (M - Σm)^(k-2)/(k-2)! · Π 2M_j · Π q_j/M_j ] · Π_proposed edges 2m·(m_hi - m_lo)``

(constants dropped), so that weighted events, or unweighted ones kept with probability
``w / envelope``, are distributed as phase space (times a model's intensity when one is given).
Blocks of events draw from ``SeedSequence([seed, stream, block])``: a seed reproduces a sample.

Examples
--------
>>> import gpu_laddu as gl
>>> ch = gl.Channel("decay", edges=[
...     gl.Edge("parent", p4="parent", particle=gl.Particle(mass=2.0),
...             initial_momentum=gl.InitialMomentum.p4([2.0, 0.0, 0.0, 0.0])),
...     gl.Edge("a", p4="a", particle=gl.Particle(mass=0.2)), gl.Edge("b", p4="b", particle=gl.Particle(mass=0.4))],
...     vertices=[gl.Vertex("decay", incoming=["parent"], outgoing=["a", "b"])])
>>> ds, report = gl.Generator(ch).unweighted(100, seed=17)
>>> ds.n_events, report.produced, ds.p4_names
(100, 100, ('parent', 'a', 'b'))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.dataset import Dataset, from_numpy
from gpu_laddu.generate.phase_space import breakup_momentum
from gpu_laddu.generate.proposals import GenerationError, InitialMomentum, MassProposal, ScalarSource
from gpu_laddu.physics.vectors import Vec4, add4, beta, boost, mass
from gpu_laddu.reaction.channel import Channel

BLOCK = 2**14
"""Proposals per seeded block."""


@dataclass(frozen=True)
class GenerationReport:
    """Counts and weight statistics of a generation run (laddu 0.28.1's ``GenerationReport``).

    Examples
    --------
    >>> GenerationReport(10, 10, 40, 30, 0.25, 2.0, 1.9, 0.1, 10.0, 0).acceptance_rate
    0.25
    """

    requested: int
    produced: int
    proposals: int
    rejected: int
    acceptance_rate: float
    envelope: float | None
    maximum_weight: float
    minimum_weight: float
    sum_weights: float
    seed: int


def _nbody(rng: np.random.Generator, big_m: np.ndarray, masses: list[np.ndarray]) -> tuple[list[Vec4], np.ndarray]:
    """Isotropic k-body decays of systems of mass ``big_m`` at rest; (daughters, phase-space weight)."""
    n, k = len(big_m), len(masses)
    total = sum(masses)
    kinetic = np.maximum(big_m - total, 0.0)
    u = rng.random((n, (k - 2) + 2 * (k - 1)))
    r = np.sort(u[:, : k - 2], axis=1)
    cum = np.cumsum(masses, axis=0)
    inv = [masses[0]] + [cum[j] + r[:, j - 1] * kinetic for j in range(1, k - 1)] + [big_m]
    q = [breakup_momentum(inv[j], inv[j - 1], masses[j]) for j in range(1, k)]
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = kinetic ** (k - 2) / math.factorial(k - 2) * np.prod([qj / inv[j + 1] for j, qj in enumerate(q)],
                                                                     axis=0)
        for j in range(1, k - 1):
            weight = weight * 2.0 * inv[j]
    weight = np.where((big_m > total) & np.isfinite(weight), weight, 0.0)
    zero = np.zeros(n)
    mother: Vec4 = (big_m, zero, zero, zero)
    daughters: list[Vec4] = [mother] * k
    for j in range(k - 1, 0, -1):
        qj = q[j - 1]
        cos_t = 2.0 * u[:, k - 2 + 2 * (j - 1)] - 1.0
        phi = 2.0 * np.pi * u[:, k - 2 + 2 * (j - 1) + 1]
        sin_t = np.sqrt(np.maximum(1.0 - cos_t * cos_t, 0.0))
        px, py, pz = qj * sin_t * np.cos(phi), qj * sin_t * np.sin(phi), qj * cos_t
        rest: Vec4 = (np.sqrt(qj * qj + inv[j - 1] ** 2), px, py, pz)
        dj: Vec4 = (np.sqrt(qj * qj + masses[j] ** 2), -px, -py, -pz)
        if j < k - 1:
            b = beta(mother)
            rest, dj = boost(np, rest, b), boost(np, dj, b)
        daughters[j], mother = dj, rest
    daughters[0] = mother
    return daughters, weight


class Generator:
    """A phase-space event generator for a reaction channel (laddu 0.28.1's ``Generator``).

    Parameters
    ----------
    channel : Channel
        Every initial edge (consumed, never produced) needs an ``initial_momentum``; every other
        edge a mass (its particle's, or a ``mass_proposal``); vertex proposals are isotropic.
    scalars : dict of str to ScalarSource, optional
        Extra scalar columns generated with every event.

    Raises
    ------
    GenerationError
        Naming the edge or vertex that lacks what generation needs.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> ch = gl.Channel("gp", edges=[
    ...     gl.Edge("beam", p4="beam", particle=gl.particles.PHOTON,
    ...             initial_momentum=gl.InitialMomentum.uniform_energy(low=8.0, high=9.0, direction=[0, 0, 1])),
    ...     gl.Edge("target", p4="target", particle=gl.particles.PROTON, output=False,
    ...             initial_momentum=gl.InitialMomentum.p4([0.93827208816, 0, 0, 0])),
    ...     gl.Edge("x", p4="x", mass_proposal=gl.MassProposal(1.0, high=2.0)),
    ...     gl.Edge("p", p4="proton", particle=gl.particles.PROTON)],
    ...     vertices=[gl.Vertex("prod", incoming=["beam", "target"], outgoing=["x", "p"])])
    >>> ds, report = gl.Generator(ch, scalars={"pol": gl.ScalarSource.fixed(0.4)}).weighted(50, seed=1)
    >>> ds.p4_names, ds.scalar_names, report.produced
    (('beam', 'x', 'proton'), ('pol',), 50)
    """

    def __init__(self, channel: Channel, *, scalars: Mapping[str, ScalarSource] | None = None) -> None:
        if not isinstance(channel, Channel):
            raise GenerationError(f"Generator needs a gpu_laddu.Channel, got {channel!r}")
        scalars = dict(scalars or {})
        for name, src in scalars.items():
            if not isinstance(name, str) or not name or not isinstance(src, ScalarSource):
                raise GenerationError(f"scalars must map column names to ScalarSource objects, got {name!r}: {src!r}")
        self.channel, self.scalars = channel, scalars
        topo = channel.topology
        self._initial = [e for e in topo.edges if e in topo.consumers and e not in topo.producers]
        for e in self._initial:
            if not isinstance(topo.edges[e].initial_momentum, InitialMomentum):
                raise GenerationError(f"initial edge {e!r} has no initial_momentum (an InitialMomentum); "
                                      f"the channel has {topo.known()}")
        if len(topo.roots) != 1:
            raise GenerationError(f"generation needs one root vertex, the channel has {[v.name for v in topo.roots]}")
        self._bounds: dict[str, tuple[float, float]] = {}
        for name, edge in topo.edges.items():
            if name in self._initial:
                continue
            if edge.mass_proposal is not None:
                if not isinstance(edge.mass_proposal, MassProposal):
                    raise GenerationError(f"edge {name!r}: mass_proposal must be a MassProposal")
                self._bounds[name] = edge.mass_proposal.bounds
            elif edge.particle is not None and edge.particle.mass_checked is not None:
                self._bounds[name] = (edge.particle.mass, edge.particle.mass)
            else:
                raise GenerationError(f"edge {name!r} needs a mass: a particle with a mass, or a mass_proposal")
        for v in topo.vertices.values():
            kind = getattr(v.generation, "kind", None)
            if v.generation is not None and kind not in ("isotropic", "t_exchange"):
                raise GenerationError(f"vertex {v.name!r}: generation must be a VertexProposal, got {v.generation!r}")
            if kind == "t_exchange":
                opts = v.generation.options
                if (len(v._incoming), len(v._outgoing)) != (2, 2) or opts["incoming"] not in v._incoming \
                        or opts["outgoing"] not in v._outgoing:
                    raise GenerationError(f"vertex {v.name!r}: t_exchange needs a 2 -> 2 vertex and one of its "
                                          f"incoming {list(v._incoming)} and outgoing {list(v._outgoing)} edges, "
                                          f"got {opts['incoming']!r} -> {opts['outgoing']!r}")
        self._order: list[str] = []  # vertices, parents before children
        queue = [topo.roots[0].name]
        while queue:
            name = queue.pop(0)
            self._order.append(name)
            queue.extend(c.name for _, c in topo.children[name])
        self._threshold: dict[str, float] = {}
        for name in reversed(self._order):
            for e in topo.vertices[name]._outgoing:
                self._threshold_of(e)

    def _threshold_of(self, edge: str) -> float:
        if edge not in self._threshold:
            topo, lo = self.channel.topology, self._bounds[edge][0]
            children = topo.consumers.get(edge, [])
            below = sum(self._threshold_of(e) for e in children[0]._outgoing) if children else 0.0
            self._threshold[edge] = max(lo, below)
        return self._threshold[edge]

    # -- one block of proposals -------------------------------------------------------------
    def _propose(self, rng: np.random.Generator, n: int) -> tuple[dict[str, Vec4], dict[str, np.ndarray], np.ndarray]:
        topo = self.channel.topology
        p4: dict[str, Vec4] = {}
        for e in self._initial:
            particle = topo.edges[e].particle
            init = topo.edges[e].initial_momentum
            p4[e] = init.sample(rng, n, None if particle is None else particle.mass_checked, e)
        weight = np.ones(n)
        for vname in self._order:
            v = topo.vertices[vname]
            parent = p4[v._incoming[0]]
            for e in v._incoming[1:]:
                parent = add4(parent, p4[e])
            big_m = mass(np, parent)
            masses: dict[str, np.ndarray] = {e: np.full(n, self._bounds[e][0]) for e in v._outgoing
                                             if self._bounds[e][0] == self._bounds[e][1]}
            for e in v._outgoing:
                lo, hi = self._bounds[e]
                if lo == hi:
                    continue
                others = sum((masses[o] if o in masses else np.full(n, self._threshold[o]))
                             for o in v._outgoing if o != e)
                lo_eff = max(lo, self._threshold[e])
                width = np.minimum(hi, big_m - others) - lo_eff
                ok = width > 0
                m = lo_eff + rng.random(n) * np.where(ok, width, 0.0)
                weight = weight * np.where(ok, 2.0 * m * width, 0.0)
                masses[e] = m
            b = beta(parent)
            if getattr(v.generation, "kind", None) == "t_exchange":
                daughters, w_vertex = self._t_exchange(rng, v, p4, parent, big_m, masses)
            else:
                daughters, w_vertex = _nbody(rng, big_m, [masses[e] for e in v._outgoing])
            weight = weight * w_vertex
            for e, d in zip(v._outgoing, daughters):
                p4[e] = boost(np, d, b)
        scalars = {name: src.sample(rng, n) for name, src in self.scalars.items()}
        return p4, scalars, weight

    @staticmethod
    def _t_exchange(rng: np.random.Generator, v: Any, p4: dict[str, Vec4], parent: Vec4, big_m: np.ndarray,
                    masses: dict[str, np.ndarray]) -> tuple[list[Vec4], np.ndarray]:
        """A 2 → 2 vertex with t drawn from the proposal, in the centre of momentum; weight 1/(4 M p_a g(t))."""
        opts = v.generation.options
        c, d = opts["outgoing"], next(e for e in v._outgoing if e != opts["outgoing"])
        a = boost(np, p4[opts["incoming"]], tuple(-x for x in beta(parent)))
        pa = np.sqrt(a[1] ** 2 + a[2] ** 2 + a[3] ** 2)
        ma2 = a[0] ** 2 - pa ** 2
        q = breakup_momentum(big_m, masses[c], masses[d])
        ec = np.sqrt(masses[c] ** 2 + q * q)
        t0 = ma2 + masses[c] ** 2 - 2.0 * a[0] * ec
        low, high = t0 - 2.0 * pa * q, t0 + 2.0 * pa * q
        if opts["t_min"] is not None:
            low = np.maximum(low, opts["t_min"])
        if opts["t_max"] is not None:
            high = np.minimum(high, opts["t_max"])
        ok = (high > low) & (big_m > masses[c] + masses[d])
        t, density = v.generation.sample_t(rng, np.where(ok, low, 0.0), np.where(ok, high, 1.0))
        cos_t = np.clip(np.where(ok, (t - t0) / (2.0 * pa * q), 1.0), -1.0, 1.0)
        phi = 2.0 * np.pi * rng.random(len(t))
        sin_t = np.sqrt(1.0 - cos_t * cos_t)
        zhat = (a[1] / pa, a[2] / pa, a[3] / pa)  # axes with z along the incoming edge
        helper = np.where(np.abs(zhat[0])[None, :] < 0.9, np.array([[1.0], [0.0], [0.0]]),
                          np.array([[0.0], [1.0], [0.0]]))
        xhat = np.cross(helper.T, np.stack(zhat, axis=1))
        xhat /= np.linalg.norm(xhat, axis=1)[:, None]
        yhat = np.cross(np.stack(zhat, axis=1), xhat)
        direction = (sin_t * np.cos(phi))[:, None] * xhat + (sin_t * np.sin(phi))[:, None] * yhat \
            + cos_t[:, None] * np.stack(zhat, axis=1)
        pc = q[:, None] * direction
        out_c: Vec4 = (ec, pc[:, 0], pc[:, 1], pc[:, 2])
        out_d: Vec4 = (np.sqrt(masses[d] ** 2 + q * q), -pc[:, 0], -pc[:, 1], -pc[:, 2])
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(ok, 1.0 / (4.0 * big_m * pa * density), 0.0)
        by_name = {c: out_c, d: out_d}
        return [by_name[e] for e in v._outgoing], weight

    def _columns(self, p4: dict[str, Vec4]) -> dict[str, np.ndarray]:
        topo = self.channel.topology
        return {(edge.p4 if isinstance(edge.p4, str) else name): np.stack(p4[name], axis=1)
                for name, edge in topo.edges.items() if edge.output}

    def _block(self, seed: int, stream: int, block: int, model: Any, parameters: Any, ctx: ExecutionContext
               ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence([seed, stream, block]))
        p4, scalars, weight = self._propose(rng, BLOCK)
        columns = self._columns(p4)
        keep = weight > 0
        columns = {k: v[keep] for k, v in columns.items()}
        scalars = {k: v[keep] for k, v in scalars.items()}
        weight = weight[keep]
        if model is not None and len(weight):
            ds = from_numpy(p4s=columns, scalars=scalars, ctx=ctx)
            intensity = np.asarray(ctx.to_numpy(model.load(ds, gradient=False).evaluate(
                [] if parameters is None else parameters))).real
            if not np.all(np.isfinite(intensity)) or np.any(intensity < 0):
                raise GenerationError("the model intensity is negative or non-finite at some generated events")
            weight = weight * intensity
        return columns, scalars, weight

    def weighted(self, events: int, *, model: Any = None, parameters: Any = None, seed: int = 0,
                 ctx: ExecutionContext | None = None) -> tuple[Dataset, GenerationReport]:
        """``events`` phase-space events with their weights (times the model's intensity, if given).

        Proposals outside the kinematic limits (weight 0) are not kept.
        """
        n = self._count(events)
        ctx = resolve_context(ctx)
        parts, total, proposals, block = [], 0, 0, 0
        while total < n:
            cols, scal, w = self._block(seed, 0, block, model, parameters, ctx)
            parts.append((cols, scal, w))
            total, proposals, block = total + len(w), proposals + BLOCK, block + 1
        return self._finish(parts, n, ctx, proposals, seed, weighted=True, envelope=None)

    def unweighted(self, events: int, model: Any = None, *, parameters: Any = None, seed: int = 0,
                   max_weight: float | None = None, pilot_proposals: int = 10_000, safety_factor: float = 2.0,
                   grow_envelope: bool = False, max_proposals: int | None = None,
                   ctx: ExecutionContext | None = None) -> tuple[Dataset, GenerationReport]:
        """``events`` unit-weight events by accept-reject against an envelope of the weights.

        The envelope is ``max_weight``, or ``safety_factor`` times the largest weight of
        ``pilot_proposals`` pilot proposals.  A weight above it raises a
        :class:`GenerationError` (``grow_envelope=True``: the envelope grows and generation
        starts over).
        """
        n = self._count(events)
        ctx = resolve_context(ctx)
        if max_weight is None:
            pilot = []
            for block in range(-(-max(int(pilot_proposals), 1) // BLOCK)):
                pilot.append(self._block(seed, 1, block, model, parameters, ctx)[2])
            envelope = safety_factor * float(max((p.max() for p in pilot if len(p)), default=0.0))
        else:
            envelope = float(max_weight)
        if not envelope > 0:
            raise GenerationError("the weight envelope is not positive: no proposal has a non-zero weight")
        while True:
            parts, total, proposals, block, exceeded = [], 0, 0, 0, 0.0
            while total < n:
                if max_proposals is not None and proposals >= max_proposals:
                    raise GenerationError(f"reached max_proposals={max_proposals} with {total} of {n} events")
                cols, scal, w = self._block(seed, 0, block, model, parameters, ctx)
                rng = np.random.default_rng(np.random.SeedSequence([seed, 2, block]))
                exceeded = max(exceeded, float(w.max()) if len(w) else 0.0)
                if exceeded > envelope:
                    break
                u = rng.random(len(w)) * envelope
                keep = u < w
                parts.append(({k: v[keep] for k, v in cols.items()}, {k: v[keep] for k, v in scal.items()}, w[keep]))
                total, proposals, block = total + int(keep.sum()), proposals + BLOCK, block + 1
            if exceeded <= envelope:
                return self._finish(parts, n, ctx, proposals, seed, weighted=False, envelope=envelope)
            if not grow_envelope:
                raise GenerationError(f"a weight {exceeded:.6g} exceeds the envelope {envelope:.6g}; give a larger "
                                      f"max_weight or safety_factor, or grow_envelope=True")
            envelope = safety_factor * exceeded

    @staticmethod
    def _count(events: Any) -> int:
        if isinstance(events, bool) or not isinstance(events, int) or events < 1:
            raise GenerationError(f"events must be a positive integer, got {events!r}")
        return events

    def _finish(self, parts: list[Any], n: int, ctx: ExecutionContext, proposals: int, seed: int, *,
                weighted: bool, envelope: float | None) -> tuple[Dataset, GenerationReport]:
        cols = {k: np.concatenate([p[0][k] for p in parts])[:n] for k in parts[0][0]}
        scal = {k: np.concatenate([p[1][k] for p in parts])[:n] for k in parts[0][1]}
        w = np.concatenate([p[2] for p in parts])[:n]
        ds = from_numpy(p4s=cols, scalars=scal, weights=w if weighted else None, ctx=ctx)
        report = GenerationReport(requested=n, produced=n, proposals=proposals, rejected=proposals - n,
                                  acceptance_rate=n / proposals, envelope=envelope,
                                  maximum_weight=float(w.max()), minimum_weight=float(w.min()),
                                  sum_weights=float(w.sum()) if weighted else float(n), seed=seed)
        return ds, report
