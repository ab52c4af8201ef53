"""Reaction graphs: :class:`Edge` (a particle line), :class:`Vertex` and :class:`Channel`.

A channel is a tree of production and decay vertices joined by edges, with laddu 0.28.1's
Python API.  An edge without a four-vector column is inferred by four-momentum conservation
at a vertex, with laddu's priorities (a parent from its daughters, then a single child from
its parents, then any single missing momentum) and laddu's order of summation, so that the
inferred momenta are the same floating-point numbers.  Everything is checked when the
channel is built: an unknown edge, an edge used twice, a cycle, disconnected parts, or an
edge whose momentum cannot be inferred raise a :class:`~gpu_laddu.reaction.errors.ReactionError`
subclass that lists what the graph knows.

A resolved four-momentum is a small hashable tree: ``("col", name)``, ``("zero",)``,
``("neg", a)``, ``("add", a, b)`` or ``("sub", a, b)`` (sums with zero folded, which is exact).

Examples
--------
>>> import gpu_laddu as gl
>>> edges = [gl.Edge("beam", p4="beam"), gl.Edge("target"), gl.Edge("x"), gl.Edge("recoil", p4="recoil"),
...          gl.Edge("k1", p4="k1"), gl.Edge("k2", p4="k2")]
>>> ch = gl.Channel("kk", edges=edges, vertices=[
...     gl.Vertex("production", incoming=["beam", "target"], outgoing=["x", "recoil"]),
...     gl.Vertex("decay", incoming=["x"], outgoing=["k1", "k2"])])
>>> ch.vertex_names, ch.resolved_p4("x")
(['production', 'decay'], ('add', ('col', 'k1'), ('col', 'k2')))
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from gpu_laddu.language.events import EventColumn, Vec4
from gpu_laddu.reaction.errors import InferenceError, TopologyError, UnknownEdgeError, UnknownVertexError
from gpu_laddu.reaction.particle import Particle

Tree = tuple[Any, ...]
ZERO: Tree = ("zero",)


def add_tree(a: Tree, b: Tree) -> Tree:
    """``a + b``, with the exact identity ``0 + b = b`` folded."""
    return b if a == ZERO else a if b == ZERO else ("add", a, b)


def sub_tree(a: Tree, b: Tree) -> Tree:
    """``a - b``, with the exact identities ``a - 0 = a`` and ``0 - b = -b`` folded."""
    return a if b == ZERO else ("neg", b) if a == ZERO else ("sub", a, b)


def vec4_tree(v: Vec4, edge: str) -> Tree:
    """The momentum tree of a ``Vec4`` built from ``Vec4.event`` vectors with ``+``, ``-`` and unary ``-``."""
    def convert(nodes: list[Any]) -> Tree:
        ops = {n.op for n in nodes}
        if ops == {"column"}:
            srcs = [n.attrs[0] for n in nodes]
            if all(isinstance(c, EventColumn) for c in srcs) and len({c.name for c in srcs}) == 1 \
                    and [c.component for c in srcs] == [0, 1, 2, 3]:
                return ("col", srcs[0].name)
        elif ops == {"add"} or ops == {"sub"}:
            a, b = convert([n.inputs[0] for n in nodes]), convert([n.inputs[1] for n in nodes])
            return add_tree(a, b) if ops == {"add"} else sub_tree(a, b)
        elif ops == {"neg"}:
            return ("neg", convert([n.inputs[0] for n in nodes]))
        raise TopologyError(f"Edge {edge!r}: a Vec4 p4 must add or subtract dataset four-vectors "
                            f"(Vec4.event(name)); use a column name otherwise")
    return convert([v.e().node, v.px().node, v.py().node, v.pz().node])


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise TopologyError(f"{what} must be a non-empty string, got {value!r}")
    return value


class Edge:
    """A particle line of a reaction :class:`Channel` (laddu 0.28.1's ``Edge``).

    Parameters
    ----------
    name : str
        Unique edge name.
    p4 : str or Vec4, optional
        The dataset's four-vector column for this edge, or a ``Vec4`` that sums or subtracts
        dataset four-vectors (``Vec4.event("k1") + Vec4.event("k2")``); without it the momentum
        is inferred by four-momentum conservation.
    particle : Particle, optional
        Mass and quantum numbers (the generator reads the mass).
    output : bool
        Whether generated datasets include this edge's four-vector.
    mass_proposal : optional
        How the generator draws this edge's mass (see :mod:`gpu_laddu.generate.channel`).
    initial_momentum : optional
        The momentum of an initial-state edge for the generator.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> e = gl.Edge("recoil", p4="proton", particle=gl.particles.PROTON)
    >>> e.name, e.p4, e.particle.mass
    ('recoil', 'proton', 0.93827208816)
    """

    __slots__ = ("_name", "_p4", "_tree", "_particle", "_output", "_mass_proposal", "_initial_momentum")
    _name: str
    _p4: str | Vec4 | None
    _tree: Tree | None
    _particle: Particle | None
    _output: bool
    _mass_proposal: Any
    _initial_momentum: Any

    def __init__(self, name: str, *, p4: str | None = None, particle: Particle | None = None, output: bool = True,
                 mass_proposal: Any = None, initial_momentum: Any = None) -> None:
        object.__setattr__(self, "_name", _name(name, "Edge name"))
        if isinstance(p4, Vec4):
            tree: Tree | None = vec4_tree(p4, name)
        elif p4 is not None and (not isinstance(p4, str) or not p4):
            raise TopologyError(f"Edge {name!r}: p4 must be the name of a four-vector column or a Vec4, got {p4!r}")
        else:
            tree = None if p4 is None else ("col", p4)
        object.__setattr__(self, "_tree", tree)
        if particle is not None and not isinstance(particle, Particle):
            raise TopologyError(f"Edge {name!r}: particle must be a gpu_laddu.Particle, got {particle!r}")
        if not isinstance(output, bool):
            raise TopologyError(f"Edge {name!r}: output must be a bool, got {output!r}")
        for slot, value in (("_p4", p4), ("_particle", particle), ("_output", output),
                            ("_mass_proposal", mass_proposal), ("_initial_momentum", initial_momentum)):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Edge is immutable")

    name = property(lambda self: self._name, doc="str: unique edge name.")
    p4 = property(lambda self: self._p4, doc="str, Vec4 or None: the dataset's four-vector column or expression.")
    particle = property(lambda self: self._particle, doc="Particle or None: particle properties.")
    output = property(lambda self: self._output, doc="bool: whether generated datasets include this edge.")
    mass_proposal = property(lambda self: self._mass_proposal, doc="The generator's mass proposal, or None.")
    initial_momentum = property(lambda self: self._initial_momentum,
                                doc="The generator's initial-state momentum, or None.")

    def __repr__(self) -> str:
        return f"Edge({self._name!r}, p4={self._p4!r})"


class Vertex:
    """A directed production, scattering or decay vertex (laddu 0.28.1's ``Vertex``).

    Parameters
    ----------
    name : str
        Unique vertex name.
    incoming, outgoing : sequence of str
        Edge names on each side.
    generation : optional
        The generator's angular proposal for this vertex (isotropic when omitted).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> v = gl.Vertex("decay", incoming=["x"], outgoing=["k1", "k2"])
    >>> v.incoming, v.outgoing
    (['x'], ['k1', 'k2'])
    """

    __slots__ = ("_name", "_incoming", "_outgoing", "_generation")
    _name: str
    _incoming: tuple[str, ...]
    _outgoing: tuple[str, ...]
    _generation: Any

    def __init__(self, name: str, *, incoming: Sequence[str], outgoing: Sequence[str], generation: Any = None) -> None:
        object.__setattr__(self, "_name", _name(name, "Vertex name"))
        for what, names in (("incoming", incoming), ("outgoing", outgoing)):
            if isinstance(names, str) or not isinstance(names, Sequence):
                raise TopologyError(f"Vertex {name!r}: {what} must be a list of edge names, got {names!r}")
            object.__setattr__(self, "_" + what, tuple(_name(n, f"Vertex {name!r} {what} edge") for n in names))
        if not self._incoming:
            raise TopologyError(f"Vertex {name!r} has no incoming edges")
        object.__setattr__(self, "_generation", generation)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Vertex is immutable")

    name = property(lambda self: self._name, doc="str: unique vertex name.")
    incoming = property(lambda self: list(self._incoming), doc="list of str: incoming edge names.")
    outgoing = property(lambda self: list(self._outgoing), doc="list of str: outgoing edge names.")
    generation = property(lambda self: self._generation, doc="The generator's vertex proposal, or None.")

    def __repr__(self) -> str:
        return f"Vertex({self._name!r}, incoming={list(self._incoming)}, outgoing={list(self._outgoing)})"


class _Failure(Exception):
    def __init__(self, kind: str, edge: str) -> None:
        super().__init__(kind, edge)
        self.kind, self.edge = kind, edge


class Topology:
    """The validated graph of a channel: edges, vertices, inferred momenta and frame paths.

    Built by :class:`~gpu_laddu.reaction.channel.Channel`; every check runs here.

    Examples
    --------
    >>> t = Topology([Edge("a", p4="a"), Edge("b", p4="b"), Edge("x")],
    ...              [Vertex("d", incoming=["x"], outgoing=["a", "b"])])
    >>> t.frame_path("d")
    ('d', ())
    """

    def __init__(self, edges: Sequence[Edge], vertices: Sequence[Vertex]) -> None:
        self.edges: dict[str, Edge] = {}
        for edge in edges:
            if not isinstance(edge, Edge):
                raise TopologyError(f"Channel edges must be gpu_laddu.Edge objects, got {edge!r}")
            if edge.name in self.edges:
                raise TopologyError(f"edge {edge.name!r} is defined twice (edges: {list(self.edges)})")
            self.edges[edge.name] = edge
        self.vertices: dict[str, Vertex] = {}
        for v in vertices:
            if not isinstance(v, Vertex):
                raise TopologyError(f"Channel vertices must be gpu_laddu.Vertex objects, got {v!r}")
            if v.name in self.vertices:
                raise TopologyError(f"vertex {v.name!r} is defined twice (vertices: {list(self.vertices)})")
            self.vertices[v.name] = v
        if not self.vertices:
            raise TopologyError("a channel needs at least one vertex")
        self.producers: dict[str, list[Vertex]] = {}
        self.consumers: dict[str, list[Vertex]] = {}
        for v in self.vertices.values():
            seen: set[str] = set()
            for e in v._incoming + v._outgoing:
                if e not in self.edges:
                    raise UnknownEdgeError(f"vertex {v.name!r} names unknown edge {e!r}; the channel's edges are "
                                           f"{list(self.edges)}")
                if e in seen:
                    raise TopologyError(f"edge {e!r} appears more than once in vertex {v.name!r}")
                seen.add(e)
            for e in v._incoming:
                self.consumers.setdefault(e, []).append(v)
            for e in v._outgoing:
                self.producers.setdefault(e, []).append(v)
        self._check_structure()
        self.roots = [v for v in self.vertices.values() if all(e not in self.producers for e in v._incoming)]
        self.children = {v.name: [(e, c) for e in v._outgoing for c in self.consumers.get(e, [])]
                         for v in self.vertices.values()}
        self._resolved: dict[str, Tree] = {}
        for name in self.edges:
            self._resolved[name] = self._resolve_public(name)
        self._paths = {name: self._frame_path(name) for name in self.vertices}

    # -- structure ------------------------------------------------------------------------
    def _check_structure(self) -> None:
        for what, table in (("produced", self.producers), ("consumed", self.consumers)):
            for e, vs in table.items():
                if len(vs) > 1:
                    raise TopologyError(f"edge {e!r} is used twice: {what} by vertices {[v.name for v in vs]}")
        loose = [e for e in self.edges if e not in self.producers and e not in self.consumers]
        if loose:
            raise TopologyError(f"edges {loose} are attached to no vertex (vertices: {list(self.vertices)})")
        # connected parts (vertices joined by shared edges)
        parent = {vname: vname for vname in self.vertices}

        def find(v: str) -> str:
            while parent[v] != v:
                v = parent[v]
            return v
        for e in self.edges:
            linked = [v.name for v in self.producers.get(e, []) + self.consumers.get(e, [])]
            for other in linked[1:]:
                parent[find(other)] = find(linked[0])
        parts: dict[str, list[str]] = {}
        for vname in self.vertices:
            parts.setdefault(find(vname), []).append(vname)
        if len(parts) > 1:
            raise TopologyError(f"the channel has {len(parts)} disconnected parts: {list(parts.values())}")
        # directed cycles (vertex -> vertices consuming its outgoing edges)
        state: dict[str, int] = {}

        def visit(v: Vertex, trail: list[str]) -> None:
            state[v.name] = 1
            for e in v._outgoing:
                for child in self.consumers.get(e, []):
                    if state.get(child.name) == 1:
                        cycle = trail[trail.index(child.name):] + [child.name] if child.name in trail else [child.name]
                        raise TopologyError(f"the channel has a cycle through vertices {cycle}")
                    if child.name not in state:
                        visit(child, trail + [child.name])
            state[v.name] = 2
        for vertex in self.vertices.values():
            if vertex.name not in state:
                visit(vertex, [vertex.name])

    def known(self) -> str:
        """A one-line summary of the graph for error messages."""
        cols = {n: e.p4 if isinstance(e.p4, str) else e._tree for n, e in self.edges.items() if e._tree is not None}
        return f"edges {list(self.edges)} (four-vector columns {cols}), vertices {list(self.vertices)}"

    # -- momentum inference (laddu 0.28.1's resolution, same summation order) ---------------
    def _vertices_for_edge(self, edge: str) -> list[Vertex]:
        linked = {v.name for v in self.producers.get(edge, []) + self.consumers.get(edge, [])}
        return [v for v in self.vertices.values() if v.name in linked]

    def _resolve_public(self, edge: str) -> Tree:
        try:
            return self._resolve(edge, [])
        except _Failure as failure:
            reason = {"unavailable": "has no p4 column and cannot be inferred",
                      "cycle": "can only be inferred in a circle",
                      "ambiguous": "is inferred ambiguously"}[failure.kind]
            raise InferenceError(f"edge {edge!r}: edge {failure.edge!r} {reason} by four-momentum conservation; "
                                 f"give one of them a p4 column. The channel has {self.known()}") from None

    def _resolve(self, edge: str, stack: list[str]) -> Tree:
        e = self.edges[edge]
        if e._tree is not None:
            return e._tree
        if edge in stack:
            raise _Failure("cycle", edge)
        stack.append(edge)
        try:
            for priority in ("parent", "child", "any"):
                found = []
                for v in self._vertices_for_edge(edge):
                    if priority == "parent" and not (len(v._incoming) == 1 and edge in v._incoming):
                        continue
                    if priority == "child" and not (len(v._outgoing) == 1 and edge in v._outgoing):
                        continue
                    tree = self._infer(edge, v, stack)
                    if tree is not None:
                        found.append(tree)
                if len(found) == 1:
                    return found[0]
                if len(found) > 1:
                    raise _Failure("ambiguous", edge)
            raise _Failure("unavailable", edge)
        finally:
            stack.pop()

    def _infer(self, edge: str, v: Vertex, stack: list[str]) -> Tree | None:
        try:
            incoming = self._sum_except(v._incoming, edge, stack)
            outgoing = self._sum_except(v._outgoing, edge, stack)
        except _Failure as failure:
            if failure.kind == "unavailable":
                return None
            raise
        return sub_tree(outgoing, incoming) if edge in v._incoming else sub_tree(incoming, outgoing)

    def _sum_except(self, edges: Sequence[str], except_: str, stack: list[str]) -> Tree:
        total: Tree = ZERO
        for e in edges:
            if e != except_:
                total = add_tree(total, self._resolve(e, stack))
        return total

    def resolved(self, edge: str) -> Tree:
        """The resolved four-momentum tree of ``edge``."""
        if edge not in self.edges:
            raise UnknownEdgeError(f"unknown edge {edge!r}; the channel has {self.known()}")
        return self._resolved[edge]

    def incoming_sum(self, vertex: str) -> Tree:
        """The summed incoming momenta of ``vertex`` (laddu's order)."""
        total: Tree = ZERO
        for e in self.vertices[vertex]._incoming:
            total = add_tree(total, self._resolved[e])
        return total

    # -- frames ---------------------------------------------------------------------------------
    def _frame_path(self, target: str) -> tuple[str, tuple[str, ...]]:
        matches: list[tuple[str, tuple[str, ...]]] = []
        for root in self.roots:
            queue: deque[tuple[str, tuple[str, ...], set[str]]] = deque([(root.name, (), {root.name})])
            while queue:
                name, path, visited = queue.popleft()
                if name == target:
                    matches.append((root.name, path))
                    continue
                for e, child in self.children[name]:
                    if child.name not in visited:
                        queue.append((child.name, (*path, e), visited | {child.name}))
        if len(matches) != 1:
            raise TopologyError(f"vertex {target!r} has {len(matches)} frame paths from the root vertices "
                                f"{[r.name for r in self.roots]}; the channel has {self.known()}")
        return matches[0]

    def frame_path(self, vertex: str) -> tuple[str, tuple[str, ...]]:
        """(root vertex, edges from the root down to ``vertex``)."""
        if vertex not in self.vertices:
            raise UnknownVertexError(f"unknown vertex {vertex!r}; the channel has {self.known()}")
        return self._paths[vertex]

    def frame_chain(self, vertex: str) -> tuple[Tree, ...]:
        """The four-momentum trees whose sequential rest frames reach ``vertex``'s frame."""
        root, path = self.frame_path(vertex)
        return (self.incoming_sum(root), *(self._resolved[e] for e in path))
