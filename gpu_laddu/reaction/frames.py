"""Vertex frames: per-event momenta, axes and angles through a decay chain.

A :class:`FrameVec3` is a symbolic three-vector (an edge's momentum in a vertex frame, a
fixed axis, or sums, cross products and units of those); its scalar functions
(:meth:`FrameVec3.dot`, :meth:`VertexFrame.costheta`, :meth:`VertexFrame.phi`, …) are
:class:`~gpu_laddu.ir.expr.Expression` leaves over one :class:`ReactionColumn` each, computed
once per dataset at load as array code (:mod:`gpu_laddu.physics.frames`), intermediate
frames and boosts shared through the load's memo.

Examples
--------
>>> import gpu_laddu as gl
>>> z = FrameVec3.z_axis()
>>> (-z).spec
('neg', ('const', 0.0, 0.0, 1.0))
>>> z.px().node.op
'column'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression
from gpu_laddu.ir.nodes import column
from gpu_laddu.physics.frames import apply_boosts, chain_boosts, costheta, phi
from gpu_laddu.physics.vectors import Vec3, Vec4, add4, cross3, dot3, mag3, mass2, momentum, scale3, sub4, unit3
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


def _boosts(dataset: Any, chain: tuple[Spec, ...], memo: dict[Any, Any]) -> list[Vec3]:
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


def eval_vec3(dataset: Any, spec: Spec, memo: dict[Any, Any]) -> Vec3:
    """A symbolic three-vector for every event."""
    key = ("reaction-vec3", spec)
    if key in memo:
        return memo[key]
    xp, op = dataset.ctx.xp, spec[0]
    out: Vec3
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
        self.check_columns(dataset)
        return eval_scalar(dataset, self.spec, memo)

    def value(self, dataset: Any) -> Any:
        """This quantity for every event of ``dataset`` (a float64 array), without a model."""
        return self.compute(dataset, {})


def scalar_expr(spec: Spec, known: str = "") -> Expression:
    """The per-event quantity ``spec`` as an Expression leaf."""
    return Expression(column(ReactionColumn(spec, known)))


class FrameVec3:
    """A per-event three-vector: a vertex-frame momentum, a fixed axis, or an expression of those.

    Returned by :meth:`VertexFrame.vec3`; used as the ``z_axis`` and ``y_hint`` of the
    vertex-frame angles.  Supports ``-v``, ``v + w``, ``v - w``, ``k * v``, :meth:`cross`,
    :meth:`unit`; :meth:`dot`, :meth:`mag`, :meth:`px` … give
    :class:`~gpu_laddu.ir.expr.Expression` values.

    Examples
    --------
    >>> v = FrameVec3.x_axis().cross(FrameVec3.y_axis())
    >>> v.spec[0]
    'cross'
    """

    __slots__ = ("spec", "known")

    def __init__(self, spec: Spec, known: str = "") -> None:
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "known", known)

    spec: Spec
    known: str

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrameVec3 is immutable")

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

    def _with(self, spec: Spec, other: FrameVec3 | None = None) -> FrameVec3:
        return FrameVec3(spec, self.known or (other.known if other is not None else ""))

    def __neg__(self) -> FrameVec3:
        return self._with(("neg", self.spec))

    def __add__(self, other: Any) -> FrameVec3:
        o = as_frame_vec3(other, "the right operand")
        return self._with(("add", self.spec, o.spec), o)

    def __sub__(self, other: Any) -> FrameVec3:
        o = as_frame_vec3(other, "the right operand")
        return self._with(("sub", self.spec, o.spec), o)

    def __mul__(self, k: float) -> FrameVec3:
        if isinstance(k, bool) or not isinstance(k, int | float):
            raise ReactionError(f"a FrameVec3 can be scaled by a number only, got {k!r}")
        return self._with(("scale", self.spec, float(k)))

    __rmul__ = __mul__

    def cross(self, other: Any) -> FrameVec3:
        """The cross product ``self × other``."""
        o = as_frame_vec3(other, "cross's argument")
        return self._with(("cross", self.spec, o.spec), o)

    def unit(self) -> FrameVec3:
        """``self / |self|``."""
        return self._with(("unit", self.spec))

    def dot(self, other: Any) -> Expression:
        """The dot product per event."""
        o = as_frame_vec3(other, "dot's argument")
        return scalar_expr(("dot", self.spec, o.spec), self.known or o.known)

    def mag(self) -> Expression:
        """|v| per event."""
        return scalar_expr(("mag", self.spec), self.known)

    def mag2(self) -> Expression:
        """|v|² per event."""
        return scalar_expr(("mag2", self.spec), self.known)

    def px(self) -> Expression:
        """The x component per event."""
        return scalar_expr(("comp", self.spec, 0), self.known)

    def py(self) -> Expression:
        """The y component per event."""
        return scalar_expr(("comp", self.spec, 1), self.known)

    def pz(self) -> Expression:
        """The z component per event."""
        return scalar_expr(("comp", self.spec, 2), self.known)

    def costheta(self) -> Expression:
        """cos θ about ẑ."""
        return scalar_expr(("costheta", self.spec, ("const", 0.0, 0.0, 1.0)), self.known)

    def phi(self) -> Expression:
        """φ about ẑ with ŷ the azimuth reference."""
        return scalar_expr(("phi", self.spec, ("const", 0.0, 0.0, 1.0), ("const", 0.0, 1.0, 0.0)), self.known)

    def __repr__(self) -> str:
        return f"FrameVec3({self.spec!r})"


def as_frame_vec3(value: Any, what: str) -> FrameVec3:
    """A FrameVec3 from a FrameVec3 or three numbers."""
    if isinstance(value, FrameVec3):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3 and all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in value):
        return FrameVec3.constant(*value)
    raise ModelError(f"{what} must be a three-vector (FrameVec3 from VertexFrame.vec3, or three numbers), "
                     f"got {value!r}")
