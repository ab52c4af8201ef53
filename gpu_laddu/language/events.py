"""Event inputs as expressions: ``scalar(name)``, and the symbolic ``Vec3``/``Vec4`` of laddu 0.28.1.

A ``Vec3`` holds three scalar expressions (x, y, z), a ``Vec4`` four (E, px, py, pz), in the
metric (+, −, −, −).  ``Vec4.event("beam")`` reads the dataset's four-vector ``beam``;
every operation (boosts, cross products, angles) builds scalar IR, so everything that depends
only on events is precomputed once per dataset by the split pass, and anything that depends
on a parameter runs in the fused kernel with analytic gradients.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(p4s={"p": np.array([[5.0, 0.0, 0.0, 4.0]])}, ctx=ctx)
>>> gl.Model(gl.Vec4.event("p").m()).load(ds).evaluate([]).real.tolist()
[3.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, ExprLike, acos, as_expression, atan2, sqrt
from gpu_laddu.ir.nodes import column
from gpu_laddu.language.arrays import ExprArray, vector


@dataclass(frozen=True)
class EventColumn:
    """Column source: a raw dataset column, a scalar (``component`` None) or one four-vector component."""

    name: str
    component: int | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        return ("event", self.name, self.component)

    dtype = "real"

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        if self.component is None:
            return dataset.scalar(self.name)
        return dataset.p4(self.name)[self.component]

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        if self.component is None:
            return frozenset(), frozenset({self.name})
        return frozenset({self.name}), frozenset()


def _name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise ModelError(f"{what} must be a non-empty column name, got {name!r}")
    return name


def scalar(name: str) -> Expression:
    """The dataset's scalar column ``name``, per event.

    >>> scalar("pol_magnitude").node.eval_class.name
    'PER_EVENT'
    """
    return Expression(column(EventColumn(_name(name, "scalar"))))


def _real(x: ExprLike, what: str) -> Expression:
    e = as_expression(x) if not isinstance(x, ExprArray) else None
    if e is None:
        raise ModelError(f"{what} must be a scalar expression, got an array")
    return e


class Vec3:
    """A symbolic three-vector (laddu's ``Vec3(x, y, z)``).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> v = gl.Vec3(3.0, 0.0, 4.0)
    >>> gl.Model(v.mag()).evaluate(), gl.Model(v.costheta()).evaluate()
    ((5+0j), (0.8+0j))
    """

    __slots__ = ("x_", "y_", "z_")

    def __init__(self, x: ExprLike, y: ExprLike, z: ExprLike) -> None:
        for slot, value, label in zip(self.__slots__, (x, y, z), "xyz"):
            object.__setattr__(self, slot, _real(value, f"Vec3 component {label}"))

    x_: Expression
    y_: Expression
    z_: Expression

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Vec3 is immutable")

    @staticmethod
    def event(prefix: str) -> Vec3:
        """The three-momentum of the dataset's four-vector ``prefix``."""
        return Vec4.event(prefix).vec3()

    @staticmethod
    def zero() -> Vec3:
        """(0, 0, 0)."""
        return Vec3(0.0, 0.0, 0.0)

    @staticmethod
    def x_axis() -> Vec3:
        """(1, 0, 0)."""
        return Vec3(1.0, 0.0, 0.0)

    @staticmethod
    def y_axis() -> Vec3:
        """(0, 1, 0)."""
        return Vec3(0.0, 1.0, 0.0)

    @staticmethod
    def z_axis() -> Vec3:
        """(0, 0, 1)."""
        return Vec3(0.0, 0.0, 1.0)

    x = x_axis
    y = y_axis
    z = z_axis

    def px(self) -> Expression:
        """The x component."""
        return self.x_

    def py(self) -> Expression:
        """The y component."""
        return self.y_

    def pz(self) -> Expression:
        """The z component."""
        return self.z_

    def components(self) -> tuple[Expression, Expression, Expression]:
        """(x, y, z)."""
        return self.x_, self.y_, self.z_

    def as_expr(self) -> ExprArray:
        """The vector expression of shape (3,)."""
        return vector(list(self.components()))

    def __add__(self, other: Vec3) -> Vec3:
        o = _vec3(other, "+")
        return Vec3(self.x_ + o.x_, self.y_ + o.y_, self.z_ + o.z_)

    def __sub__(self, other: Vec3) -> Vec3:
        o = _vec3(other, "-")
        return Vec3(self.x_ - o.x_, self.y_ - o.y_, self.z_ - o.z_)

    def __neg__(self) -> Vec3:
        return Vec3(-self.x_, -self.y_, -self.z_)

    def __mul__(self, k: ExprLike) -> Vec3:
        s = _real(k, "a Vec3 scale factor")
        return Vec3(self.x_ * s, self.y_ * s, self.z_ * s)

    __rmul__ = __mul__

    def __truediv__(self, k: ExprLike) -> Vec3:
        s = _real(k, "a Vec3 divisor")
        return Vec3(self.x_ / s, self.y_ / s, self.z_ / s)

    def dot(self, other: Vec3) -> Expression:
        """Euclidean dot product."""
        o = _vec3(other, "dot")
        return self.x_ * o.x_ + self.y_ * o.y_ + self.z_ * o.z_

    def cross(self, other: Vec3) -> Vec3:
        """Cross product ``self × other``."""
        o = _vec3(other, "cross")
        return Vec3(self.y_ * o.z_ - self.z_ * o.y_, self.z_ * o.x_ - self.x_ * o.z_, self.x_ * o.y_ - self.y_ * o.x_)

    def mag2(self) -> Expression:
        """|v|²."""
        return self.dot(self)

    def mag(self) -> Expression:
        """|v|."""
        return sqrt(self.mag2())

    def unit(self) -> Vec3:
        """v / |v|."""
        return self / self.mag()

    def costheta(self) -> Expression:
        """cos of the polar angle, z / |v|."""
        return self.z_ / self.mag()

    def theta(self) -> Expression:
        """The polar angle."""
        return acos(self.costheta())

    def phi(self) -> Expression:
        """The azimuthal angle atan2(y, x)."""
        return atan2(self.y_, self.x_)

    def with_mass(self, mass: ExprLike) -> Vec4:
        """The four-vector with this momentum and invariant mass ``mass``."""
        m = _real(mass, "mass")
        return Vec4(sqrt(self.mag2() + m * m), self.x_, self.y_, self.z_)

    def with_energy(self, energy: ExprLike) -> Vec4:
        """The four-vector with this momentum and energy ``energy``."""
        return Vec4(_real(energy, "energy"), self.x_, self.y_, self.z_)

    def __repr__(self) -> str:
        return "Vec3(...)"


class Vec4:
    """A symbolic four-vector (laddu's ``Vec4(e, px, py, pz)``), metric (+, −, −, −).

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> p = gl.Vec4(5.0, 0.0, 0.0, 4.0)
    >>> round(gl.Model(p.boost(-p.beta()).e()).evaluate().real, 12)
    3.0
    """

    __slots__ = ("e_", "p3")

    def __init__(self, e: ExprLike, px: ExprLike, py: ExprLike, pz: ExprLike) -> None:
        object.__setattr__(self, "e_", _real(e, "Vec4 component e"))
        object.__setattr__(self, "p3", Vec3(px, py, pz))

    e_: Expression
    p3: Vec3

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Vec4 is immutable")

    @staticmethod
    def event(prefix: str) -> Vec4:
        """The dataset's four-vector ``prefix`` (columns ``prefix_e``, ``_px``, ``_py``, ``_pz``)."""
        name = _name(prefix, "Vec4.event")
        e, px, py, pz = (Expression(column(EventColumn(name, k))) for k in range(4))
        return Vec4(e, px, py, pz)

    def e(self) -> Expression:
        """Energy."""
        return self.e_

    def px(self) -> Expression:
        """x momentum."""
        return self.p3.x_

    def py(self) -> Expression:
        """y momentum."""
        return self.p3.y_

    def pz(self) -> Expression:
        """z momentum."""
        return self.p3.z_

    def vec3(self) -> Vec3:
        """The three-momentum."""
        return self.p3

    momentum = vec3

    def as_expr(self) -> ExprArray:
        """The vector expression (E, px, py, pz) of shape (4,)."""
        return vector([self.e_, *self.p3.components()])

    def __add__(self, other: Vec4) -> Vec4:
        o = _vec4(other, "+")
        return _from(self.e_ + o.e_, self.p3 + o.p3)

    def __sub__(self, other: Vec4) -> Vec4:
        o = _vec4(other, "-")
        return _from(self.e_ - o.e_, self.p3 - o.p3)

    def __neg__(self) -> Vec4:
        return _from(-self.e_, -self.p3)

    def dot(self, other: Vec4) -> Expression:
        """Minkowski product E·E′ − p·p′."""
        o = _vec4(other, "dot")
        return self.e_ * o.e_ - self.p3.dot(o.p3)

    def m2(self) -> Expression:
        """Invariant mass squared."""
        return self.e_ * self.e_ - self.p3.mag2()

    def m(self) -> Expression:
        """Invariant mass √(m²)."""
        return sqrt(self.m2())

    mass = m
    mag = m
    mag2 = m2

    def beta(self) -> Vec3:
        """The velocity p / E."""
        return self.p3 / self.e_

    def gamma(self) -> Expression:
        """The Lorentz factor E / m."""
        return self.e_ / self.m()

    def boost(self, beta: Vec3) -> Vec4:
        """This vector seen from a frame moving with velocity ``-beta`` (laddu's convention:
        ``p.boost(-p.beta())`` is at rest)."""
        b = _vec3(beta, "boost")
        b2 = b.mag2()
        gamma = 1.0 / sqrt(1.0 - b2)
        bp = b.dot(self.p3)
        coefficient = gamma * gamma / (gamma + 1.0) * bp + gamma * self.e_  # (γ−1)/β² = γ²/(γ+1): no 0/0
        return _from(gamma * (self.e_ + bp), self.p3 + b * coefficient)

    def __repr__(self) -> str:
        return "Vec4(...)"


def _from(e: Expression, p: Vec3) -> Vec4:
    return Vec4(e, p.x_, p.y_, p.z_)


def _vec3(x: Any, what: str) -> Vec3:
    if not isinstance(x, Vec3):
        raise ModelError(f"Vec3 {what}: expected a Vec3, got {type(x).__name__}")
    return x


def _vec4(x: Any, what: str) -> Vec4:
    if not isinstance(x, Vec4):
        raise ModelError(f"Vec4 {what}: expected a Vec4, got {type(x).__name__}")
    return x

