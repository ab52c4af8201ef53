"""The :class:`Channel` (a validated reaction graph) and its :class:`VertexFrame` views.

Frames are defined recursively, as in laddu 0.28.1: the root vertex's frame is the centre of
momentum of its incoming edges; every other vertex's frame is the rest frame of the edge that
feeds it, reached from its parent vertex's frame.  Helicity, Gottfried-Jackson and Adair
frames at any depth are a choice of ``z_axis``/``y_hint``.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ch = gl.Channel("decay", edges=[gl.Edge("x"), gl.Edge("a", p4="a"), gl.Edge("b", p4="b")],
...                 vertices=[gl.Vertex("d", incoming=["x"], outgoing=["a", "b"])])
>>> ds = gl.from_numpy(p4s={"a": np.array([[2.0, 0.0, 0.0, 1.0]]), "b": np.array([[2.0, 0.0, 0.0, -1.0]])})
>>> frame = ch.vertex("d")
>>> cos = frame.costheta("a", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.y_axis())
>>> gl.Model(cos).load(ds).evaluate([]).real.tolist(), gl.Model(ch.mass("x")).load(ds).evaluate([]).real.tolist()
([1.0], [4.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gpu_laddu.ir.expr import Expression
from gpu_laddu.language.events import Vec3, Vec4
from gpu_laddu.reaction.errors import ReactionError, UnknownEdgeError
from gpu_laddu.reaction.frames import FrameVec3, angle, as_vec3, scalar_expr
from gpu_laddu.reaction.graph import Edge, Topology, Tree, Vertex, add_tree, sub_tree
from gpu_laddu.reaction.particle import Particle

_MANDELSTAM = ("s", "t", "u")


def _mandelstam_name(channel: Any) -> str:
    name = getattr(channel, "name", channel)
    lowered = name.lower() if isinstance(name, str) else None
    if lowered not in _MANDELSTAM:
        raise ReactionError(f"Mandelstam channel must be 's', 't' or 'u', got {channel!r}")
    return lowered


class Channel:
    """A validated reaction topology (laddu 0.28.1's ``Channel``).

    Parameters
    ----------
    name : str
        Channel name.
    edges : sequence of Edge
        Particle lines with unique names.
    vertices : sequence of Vertex
        Directed interactions connecting the edges: a tree, every edge attached.

    Raises
    ------
    gpu_laddu.reaction.errors.UnknownEdgeError
        A vertex names an edge the channel does not define.
    gpu_laddu.reaction.errors.TopologyError
        A cycle, disconnected parts, an edge used twice, a duplicate name.
    gpu_laddu.reaction.errors.InferenceError
        An edge without a four-vector column whose momentum cannot be inferred.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> beam = gl.Edge("beam", p4="beam", particle=gl.particles.PHOTON)
    >>> target = gl.Edge("target", p4="target", particle=gl.particles.PROTON)
    >>> recoil = gl.Edge("recoil", p4="recoil", particle=gl.particles.PROTON)
    >>> x = gl.Edge("x", p4="x")
    >>> ch = gl.Channel("gamma p", edges=[beam, target, recoil, x],
    ...                 vertices=[gl.Vertex("production", incoming=["beam", "target"], outgoing=["x", "recoil"])])
    >>> ch.edge_names, ch.vertex_names, ch.particle("recoil").name
    (['beam', 'target', 'recoil', 'x'], ['production'], 'p')
    """

    def __init__(self, name: str, *, edges: Sequence[Edge], vertices: Sequence[Vertex]) -> None:
        if not isinstance(name, str):
            raise ReactionError(f"Channel name must be a string, got {name!r}")
        for what, items in (("edges", edges), ("vertices", vertices)):
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise ReactionError(f"Channel {what} must be a list, got {items!r}")
        self._name = name
        self._topology = Topology(list(edges), list(vertices))

    @property
    def name(self) -> str:
        """str: channel name."""
        return self._name

    @property
    def edge_names(self) -> list[str]:
        """list of str: edge names in channel order."""
        return list(self._topology.edges)

    @property
    def vertex_names(self) -> list[str]:
        """list of str: vertex names in channel order."""
        return list(self._topology.vertices)

    @property
    def topology(self) -> Topology:
        """The validated graph (edges, vertices, inferred momenta, frame paths)."""
        return self._topology

    def edges(self) -> list[Edge]:
        """The edges, in channel order."""
        return list(self._topology.edges.values())

    def vertices(self) -> list[Vertex]:
        """The vertices, in channel order."""
        return list(self._topology.vertices.values())

    def _edge(self, edge: str) -> Edge:
        if edge not in self._topology.edges:
            raise UnknownEdgeError(f"unknown edge {edge!r}; the channel has {self._topology.known()}")
        return self._topology.edges[edge]

    def edge_p4(self, name: str) -> str | Vec4 | None:
        """The four-vector column or ``Vec4`` given for edge ``name`` (``None`` when it is inferred)."""
        return self._edge(name).p4

    def particle(self, edge: str) -> Particle:
        """The particle properties of ``edge`` (raises when it has none)."""
        particle = self._edge(edge).particle
        if particle is None:
            raise ReactionError(f"edge {edge!r} has no particle properties")
        return particle

    def resolved_p4(self, edge: str) -> Tree:
        """The four-momentum tree of ``edge`` (its column, or the conservation law that infers it)."""
        return self._topology.resolved(edge)

    def s(self, edge: str) -> Expression:
        """The invariant mass squared of ``edge`` per event."""
        return scalar_expr(("m2", self.resolved_p4(edge)), self._topology.known())

    def mass(self, edge: str) -> Expression:
        """The invariant mass ``sqrt(p²)`` of ``edge`` per event."""
        return scalar_expr(("m", self.resolved_p4(edge)), self._topology.known())

    def vec3(self, edge: str) -> FrameVec3:
        """The three-momentum of ``edge`` in the dataset's own frame."""
        return FrameVec3(("lab", self.resolved_p4(edge)), self._topology.known())

    def vertex(self, name: str) -> VertexFrame:
        """The centre-of-momentum frame of vertex ``name``."""
        self._topology.frame_path(name)
        return VertexFrame(self, name)

    def __repr__(self) -> str:
        return f"Channel({self._name!r}, edges={self.edge_names}, vertices={self.vertex_names})"


class VertexFrame:
    """Kinematic expressions in a vertex's centre-of-momentum frame (from :meth:`Channel.vertex`).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> ch = gl.Channel("d", edges=[gl.Edge("x"), gl.Edge("a", p4="a"), gl.Edge("b", p4="b")],
    ...                 vertices=[gl.Vertex("d", incoming=["x"], outgoing=["a", "b"])])
    >>> ch.vertex("d").name
    'd'
    """

    def __init__(self, channel: Channel, name: str) -> None:
        self._channel, self._name = channel, name
        self._chain = channel.topology.frame_chain(name)

    @property
    def name(self) -> str:
        """str: the vertex's name."""
        return self._name

    def vec3(self, edge: str) -> FrameVec3:
        """The three-momentum of ``edge`` (any edge of the channel) in this vertex's frame."""
        tree = self._channel.resolved_p4(edge)
        return FrameVec3(("frame", self._chain, tree), self._channel.topology.known())

    def _angle(self, kind: str, edge: str, z_axis: Any, y_hint: Any) -> Expression:
        z, y = as_vec3(z_axis, "z_axis"), as_vec3(y_hint, "y_hint")
        return angle(kind, self.vec3(edge), z, y)

    def costheta(self, edge: str, *, z_axis: Vec3, y_hint: Vec3) -> Expression:
        """cos θ of ``edge``'s momentum about ``z_axis`` (``y_hint`` unused, as in laddu)."""
        return self._angle("costheta", edge, z_axis, y_hint)

    def theta(self, edge: str, *, z_axis: Vec3, y_hint: Vec3) -> Expression:
        """θ = arccos(cos θ) of ``edge``'s momentum about ``z_axis``."""
        return self._angle("theta", edge, z_axis, y_hint)

    def phi(self, edge: str, *, z_axis: Vec3, y_hint: Vec3) -> Expression:
        """φ of ``edge``'s momentum about ``z_axis``, ŷ along ``y_hint`` made orthogonal to it, x̂ = ŷ × ẑ."""
        return self._angle("phi", edge, z_axis, y_hint)

    def mandelstam(self, channel: Any) -> Expression:
        """Mandelstam ``"s"``, ``"t"`` or ``"u"`` of this 2 → 2 vertex (laddu's choice of pairs)."""
        which = _mandelstam_name(channel)
        v = self._channel.topology.vertices[self._name]
        inc, out = v._incoming, v._outgoing
        if len(inc) != 2 or len(out) != 2:
            raise ReactionError(f"vertex {self._name!r} is not 2-to-2 (incoming {list(inc)}, outgoing {list(out)})")
        pairs = {"s": [(inc[0], inc[1], "+"), (out[0], out[1], "+")],
                 "t": [(inc[0], out[0], "-"), (inc[1], out[1], "-")],
                 "u": [(inc[0], out[1], "-"), (inc[1], out[0], "-")]}[which]
        best: tuple[int, Tree] | None = None
        for lhs, rhs, op in pairs:
            a, b = self._channel.resolved_p4(lhs), self._channel.resolved_p4(rhs)
            tree = add_tree(a, b) if op == "+" else sub_tree(a, b)
            score = int(self._channel.edge_p4(lhs) is not None) + int(self._channel.edge_p4(rhs) is not None)
            if best is None or score > best[0]:
                best = (score, tree)
        assert best is not None
        return scalar_expr(("m2", best[1]), self._channel.topology.known())

    def s(self) -> Expression:
        """Mandelstam s of this 2 → 2 vertex."""
        return self.mandelstam("s")

    def t(self) -> Expression:
        """Mandelstam t of this 2 → 2 vertex."""
        return self.mandelstam("t")

    def u(self) -> Expression:
        """Mandelstam u of this 2 → 2 vertex."""
        return self.mandelstam("u")

    def __repr__(self) -> str:
        return f"VertexFrame({self._name!r})"
