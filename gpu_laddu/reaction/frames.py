"""Vertex frames: per-event momenta, axes and angles through a decay chain.

A :class:`FrameVec3` is a symbolic three-vector (an edge's momentum in a vertex frame, a
fixed axis, or sums, cross products and units of those); its scalar functions
(:meth:`FrameVec3.dot`, :meth:`VertexFrame.costheta`, :meth:`VertexFrame.phi`, …) are
:class:`~gpu_laddu.ir.expr.Expression` leaves over one :class:`ReactionColumn` each, computed
once per dataset at load as array code (:mod:`gpu_laddu.physics.frames`), in blocks of
events whose frames and boosts are temporaries (the extra memory stays a few MB).

Examples
--------
>>> import gpu_laddu as gl
>>> z = FrameVec3.z_axis()
>>> (-z).spec
('neg', ('const', 0.0, 0.0, 1.0))
>>> (-z).px().node.op
'column'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, acos, as_expression, atan2
from gpu_laddu.ir.nodes import column
from gpu_laddu.language.events import Vec3
from gpu_laddu.physics.frames import apply_boosts, chain_boosts, costheta, phi
from gpu_laddu.physics.vectors import Vec3 as Arr3
from gpu_laddu.physics.vectors import Vec4, add4, cross3, dot3, mag3, mass2, momentum, scale3, sub4, unit3
from gpu_laddu.reaction.errors import MissingColumnError, ReactionError

Spec = tuple[Any, ...]


def tree_columns(tree: Spec) -> set[str]:
    """The four-vector columns a momentum tree or vector spec reads."""
    if not isinstance(tree, tuple):
        return set()
    if tree and tree[0] == "col":
        return {tree[1]}
    out: set[str] = set()
    for part in tree[1:]:
        out |= tree_columns(part)
    return out


def eval_tree(dataset: Any, tree: Spec, memo: dict[Any, Any]) -> Vec4:
    """The four-momentum of a resolved tree (``graph.Tree``) for every event."""
    key = ("reaction-p4", tree)
    if key in memo:
        return memo[key]
    op = tree[0]
    if op == "col":
        out = dataset.p4(tree[1])
    elif op == "neg":
        a = eval_tree(dataset, tree[1], memo)
        out = (-a[0], -a[1], -a[2], -a[3])
    elif op == "add":
        out = add4(eval_tree(dataset, tree[1], memo), eval_tree(dataset, tree[2], memo))
    elif op == "sub":
        out = sub4(eval_tree(dataset, tree[1], memo), eval_tree(dataset, tree[2], memo))
    else:  # "zero": never reached after folding, kept for completeness
        zero = dataset.ctx.xp.zeros(dataset.n_events)
        out = (zero, zero, zero, zero)
    memo[key] = out
    return out


def _boosts(dataset: Any, chain: tuple[Spec, ...], memo: dict[Any, Any]) -> list[Arr3]:
    key = ("reaction-boosts", chain)
    if key not in memo:
        xp = dataset.ctx.xp
        if len(chain) > 1:  # reuse the parent's boosts
            parent = _boosts(dataset, chain[:-1], memo)
            last = apply_boosts(xp, eval_tree(dataset, chain[-1], memo), parent)
            memo[key] = [*parent, chain_boosts(xp, [last])[0]]
        else:
            memo[key] = chain_boosts(xp, [eval_tree(dataset, chain[0], memo)])
    return memo[key]


def eval_vec3(dataset: Any, spec: Spec, memo: dict[Any, Any]) -> Arr3:
    """A symbolic three-vector for every event."""
    key = ("reaction-vec3", spec)
    if key in memo:
        return memo[key]
    xp, op = dataset.ctx.xp, spec[0]
    out: Arr3
    if op == "frame":
        chain, tree = spec[1], spec[2]
        out = momentum(apply_boosts(xp, eval_tree(dataset, tree, memo), _boosts(dataset, chain, memo)))
    elif op == "lab":
        out = momentum(eval_tree(dataset, spec[1], memo))
    elif op == "const":
        out = (spec[1], spec[2], spec[3])
    elif op == "neg":
        a = eval_vec3(dataset, spec[1], memo)
        out = (-a[0], -a[1], -a[2])
    elif op in ("add", "sub"):
        a, b = eval_vec3(dataset, spec[1], memo), eval_vec3(dataset, spec[2], memo)
        out = (a[0] + b[0], a[1] + b[1], a[2] + b[2]) if op == "add" else (a[0] - b[0], a[1] - b[1], a[2] - b[2])
    elif op == "cross":
        out = cross3(eval_vec3(dataset, spec[1], memo), eval_vec3(dataset, spec[2], memo))
    elif op == "scale":
        out = scale3(eval_vec3(dataset, spec[1], memo), spec[2])
    elif op == "unit":
        out = unit3(xp, eval_vec3(dataset, spec[1], memo))
    else:
        raise ReactionError(f"unknown three-vector operation {op!r}")
    memo[key] = out
    return out


def _broadcast(xp: Any, value: Any, n: int) -> Any:
    arr = xp.asarray(value, dtype="float64")
    return arr if arr.shape == (n,) else xp.broadcast_to(arr, (n,)).copy()


def eval_scalar(dataset: Any, spec: Spec, memo: dict[Any, Any]) -> Any:
    """A scalar spec (angle, component, invariant) as a float64 column."""
    xp, op = dataset.ctx.xp, spec[0]
    if op == "costheta":
        value = costheta(xp, eval_vec3(dataset, spec[1], memo), eval_vec3(dataset, spec[2], memo))
    elif op == "theta":
        value = xp.arccos(costheta(xp, eval_vec3(dataset, spec[1], memo), eval_vec3(dataset, spec[2], memo)))
    elif op == "phi":
        value = phi(xp, *(eval_vec3(dataset, s, memo) for s in spec[1:4]))
    elif op == "comp":
        value = eval_vec3(dataset, spec[1], memo)[spec[2]]
    elif op == "dot":
        value = dot3(eval_vec3(dataset, spec[1], memo), eval_vec3(dataset, spec[2], memo))
    elif op == "mag":
        value = mag3(xp, eval_vec3(dataset, spec[1], memo))
    elif op == "mag2":
        v = eval_vec3(dataset, spec[1], memo)
        value = dot3(v, v)
    elif op == "m2":
        value = mass2(eval_tree(dataset, spec[1], memo))
    elif op == "m":
        value = xp.sqrt(mass2(eval_tree(dataset, spec[1], memo)))
    elif op == "e":
        value = eval_tree(dataset, spec[1], memo)[0]
    else:
        raise ReactionError(f"unknown reaction quantity {op!r}")
    return _broadcast(xp, value, dataset.n_events)


CHUNK = 1 << 16
"""Events per block of a reaction column's computation."""


class _Rows:
    """Rows ``[start, stop)`` of a dataset, as far as the reaction columns read it."""

    def __init__(self, dataset: Any, start: int, stop: int) -> None:
        self.ctx, self.start, self.stop, self.n_events = dataset.ctx, start, stop, stop - start
        self._dataset = dataset

    def p4(self, name: str) -> Vec4:
        e, px, py, pz = self._dataset.p4(name)
        s = slice(self.start, self.stop)
        return (e[s], px[s], py[s], pz[s])


@dataclass(frozen=True)
class ReactionColumn:
    """Column source: one reaction quantity (an angle, a component, an invariant) per event.

    ``spec`` is the quantity's hashable description; ``known`` is the channel summary that
    a missing four-vector error lists.

    Examples
    --------
    >>> src = ReactionColumn(("m2", ("col", "k")), "edges ['k']")
    >>> src.required_columns()
    (frozenset({'k'}), frozenset())
    """

    spec: Spec
    known: str = ""

    @property
    def key(self) -> tuple[Any, ...]:
        return ("reaction", self.spec)

    dtype = "real"

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(tree_columns(self.spec)), frozenset()

    def check_columns(self, dataset: Any) -> None:
        """Raise :class:`~gpu_laddu.reaction.errors.MissingColumnError` for a four-vector ``dataset`` lacks."""
        missing = sorted(c for c in tree_columns(self.spec) if c not in dataset.p4_names)
        if missing:
            raise MissingColumnError(f"the reaction needs four-vector column(s) {missing}, which the dataset lacks "
                                     f"(it has {list(dataset.p4_names)}); the channel has {self.known}")

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        """The column, computed in blocks of :data:`CHUNK` events (frames and boosts are
        temporaries of one block, so the memory beyond the result stays small)."""
        self.check_columns(dataset)
        n = dataset.n_events
        if n <= CHUNK:
            return eval_scalar(dataset, self.spec, {})
        xp = dataset.ctx.xp
        out = xp.empty(n, dtype="float64")
        for start in range(0, n, CHUNK):
            part = _Rows(dataset, start, min(start + CHUNK, n))
            out[start:part.stop] = eval_scalar(part, self.spec, {})
        return out

    def value(self, dataset: Any) -> Any:
        """This quantity for every event of ``dataset`` (a float64 array), without a model."""
        return self.compute(dataset, {})


def scalar_expr(spec: Spec, known: str = "") -> Expression:
    """The per-event quantity ``spec`` as an Expression leaf."""
    return Expression(column(ReactionColumn(spec, known)))


def _spec_of(value: Any) -> Spec | None:
    """The spec of a FrameVec3, or of a language ``Vec3`` with constant components; else None."""
    if isinstance(value, FrameVec3):
        return value.spec
    if isinstance(value, Vec3):
        nodes = [c.node for c in value.components()]
        if all(n.op == "const" and n.dtype == "real" for n in nodes):
            return ("const", *(float(n.attrs[0]) for n in nodes))
    return None


class FrameVec3(Vec3):
    """A per-event three-vector: a vertex-frame momentum, a fixed axis, or an expression of those.

    A :class:`~gpu_laddu.Vec3` (its components are per-event expressions), returned by
    :meth:`VertexFrame.vec3`.  Combined with other frame vectors or constant vectors
    (``-v``, ``v + w``, ``v - w``, ``k * v``, :meth:`cross`, :meth:`unit`, :meth:`dot`, …) it
    stays one array computation at load; combined with any other ``Vec3`` it behaves as a
    plain ``Vec3``.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> v = FrameVec3.x_axis().cross(gl.Vec3.y_axis())
    >>> v.spec[0], isinstance(v, gl.Vec3)
    ('cross', True)
    """

    __slots__ = ("spec", "known")

    def __init__(self, spec: Spec, known: str = "") -> None:
        if spec[0] == "const":
            comps: list[Any] = [spec[1], spec[2], spec[3]]
        else:
            comps = [scalar_expr(("comp", spec, i), known) for i in range(3)]
        for slot, value in zip(("x_", "y_", "z_"), comps):  # Vec3.__init__ walks type(self).__slots__
            object.__setattr__(self, slot, as_expression(value))
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "known", known)

    spec: Spec
    known: str

    @staticmethod
    def constant(x: float, y: float, z: float) -> FrameVec3:
        """A fixed vector ``(x, y, z)``."""
        return FrameVec3(("const", float(x), float(y), float(z)))

    @staticmethod
    def x_axis() -> FrameVec3:
        """The unit vector x̂."""
        return FrameVec3.constant(1.0, 0.0, 0.0)

    @staticmethod
    def y_axis() -> FrameVec3:
        """The unit vector ŷ."""
        return FrameVec3.constant(0.0, 1.0, 0.0)

    @staticmethod
    def z_axis() -> FrameVec3:
        """The unit vector ẑ."""
        return FrameVec3.constant(0.0, 0.0, 1.0)

    def _with(self, spec: Spec, other: Any = None) -> FrameVec3:
        return FrameVec3(spec, self.known or getattr(other, "known", ""))

    def __neg__(self) -> FrameVec3:
        return self._with(("neg", self.spec))

    def __add__(self, other: Vec3) -> Vec3:
        o = _spec_of(other)
        return super().__add__(other) if o is None else self._with(("add", self.spec, o), other)

    def __sub__(self, other: Vec3) -> Vec3:
        o = _spec_of(other)
        return super().__sub__(other) if o is None else self._with(("sub", self.spec, o), other)

    def __mul__(self, k: Any) -> Vec3:
        if isinstance(k, int | float) and not isinstance(k, bool):
            return self._with(("scale", self.spec, float(k)))
        return super().__mul__(k)

    __rmul__ = __mul__

    def cross(self, other: Vec3) -> Vec3:
        """The cross product ``self × other``."""
        o = _spec_of(other)
        return super().cross(other) if o is None else self._with(("cross", self.spec, o), other)

    def unit(self) -> Vec3:
        """``self / |self|``."""
        return self._with(("unit", self.spec))

    def dot(self, other: Vec3) -> Expression:
        """The dot product per event."""
        o = _spec_of(other)
        return super().dot(other) if o is None else scalar_expr(("dot", self.spec, o), self.known)

    def mag(self) -> Expression:
        """|v| per event."""
        return scalar_expr(("mag", self.spec), self.known)

    def mag2(self) -> Expression:
        """|v|² per event."""
        return scalar_expr(("mag2", self.spec), self.known)

    def costheta(self) -> Expression:
        """cos θ about ẑ."""
        return scalar_expr(("costheta", self.spec, ("const", 0.0, 0.0, 1.0)), self.known)

    def phi(self) -> Expression:
        """φ about ẑ with ŷ the azimuth reference."""
        return scalar_expr(("phi", self.spec, ("const", 0.0, 0.0, 1.0), ("const", 0.0, 1.0, 0.0)), self.known)

    def __repr__(self) -> str:
        return f"FrameVec3({self.spec!r})"


def as_vec3(value: Any, what: str) -> Vec3:
    """A ``Vec3`` from a ``Vec3`` (FrameVec3 included) or three numbers."""
    if isinstance(value, Vec3):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3 and all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in value):
        return FrameVec3.constant(*value)
    raise ModelError(f"{what} must be a three-vector (a Vec3, e.g. VertexFrame.vec3(edge) or Vec3.z_axis(), or "
                     f"three numbers), got {value!r}")


def angle(kind: str, p: FrameVec3, z: Vec3, y: Vec3) -> Expression:
    """cos θ, θ or φ of ``p`` about ``z`` (azimuth from ``y``): one array column when the axes are
    frame or constant vectors, else the same formulas as IR over their components."""
    zs, ys = _spec_of(z), _spec_of(y)
    if zs is not None and (ys is not None or kind != "phi"):
        spec = ("phi", p.spec, zs, ys) if kind == "phi" else (kind, p.spec, zs)
        return scalar_expr(spec, p.known)
    zhat = Vec3.unit(z)
    cos = Vec3.dot(p, zhat) / Vec3.mag(p)
    if kind == "costheta":
        return cos
    if kind == "theta":
        return acos(cos)
    yhat = Vec3.unit(Vec3.__sub__(y, Vec3.__mul__(zhat, Vec3.dot(y, zhat))))
    xhat = Vec3.cross(yhat, zhat)
    return atan2(Vec3.dot(p, yhat), Vec3.dot(p, xhat))
