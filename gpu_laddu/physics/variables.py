"""Kinematic variables: masses, decay angles, beam polarisation and Mandelstam invariants.

Each variable is an immutable description (which four-vectors and scalars it reads, in which
frame) whose :meth:`Variable.value` computes one float64 column for a whole
:class:`~gpu_laddu.data.dataset.Dataset` at once, as array code in the dataset context's
namespace (numpy or cupy).  Variables compare and hash by structure (:attr:`Variable.key`):
two variables built separately from the same arguments are equal, so the IR can share their
cache columns.  A particle argument is a four-vector name or a list of names (summed); the
order of a list does not matter.

The physics follows laddu 0.28.1 (``reference/laddu-spec.md`` §0, §2):

* decay angles of ``daughter`` in the rest frame of ``resonance`` (reached by one direct boost
  from the stored frame), with z = -recoil there (helicity) or z = beam there
  (Gottfried-Jackson), the y-hint ``beam × (-recoil)`` taken from the stored momenta and
  made orthogonal to z, x = y × z, cos θ = d⃗·ẑ/|d⃗| and φ = atan2(d⃗·ŷ, d⃗·x̂);
* the polarisation angle Φ = atan2(n̂·ε, b̂·(ε × n̂)) with n̂ = unit(beam × (-recoil)) and
  ε = (cos pol_angle, sin pol_angle, 0), or ε read from three scalar columns;
* Mandelstam s, t, u with one argument allowed to be empty (laddu's alternatives).

When the stored frame is the γp centre of mass, or the lab with the target at rest, this
agrees with laddu 0.28.1's sequential vertex-frame boosts (the Wigner rotation between them is
about the production-plane normal, which leaves cos θ and φ unchanged).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(p4s={"a": np.array([[2.0, 0.0, 0.0, 1.0]]),
...                         "b": np.array([[2.0, 0.0, 0.0, -1.0]])}, ctx=ctx)
>>> Mass(["a", "b"]).value(ds).tolist()
[4.0]
>>> Mass(["b", "a"]) == Mass(["a", "b"])
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from typing import Any

from gpu_laddu.data.dataset import Dataset
from gpu_laddu.errors import ModelError
from gpu_laddu.physics.frames import costheta, phi
from gpu_laddu.physics.vectors import (
    Vec3,
    Vec4,
    add4,
    cross3,
    dot3,
    mass,
    mass2,
    momentum,
    neg3,
    sub4,
    sum4,
    to_rest_frame,
    unit3,
)

Particle = str | Sequence[str]
"""A four-vector name, or a list of names whose four-vectors are summed."""

_FRAMES = {
    "helicity": "helicity", "hx": "helicity", "hel": "helicity",
    "gj": "gj", "gottfried-jackson": "gj", "gottfriedjackson": "gj", "gottfried jackson": "gj",
}
_CHANNELS = ("s", "t", "u")


def _particle(arg: Particle | None, what: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    """Normalise a particle argument to a sorted tuple of names."""
    if isinstance(arg, str):
        names: tuple[Any, ...] = (arg,)
    elif arg is None:
        names = ()
    elif isinstance(arg, Sequence):
        names = tuple(arg)
    else:
        names = (arg,)
    if not all(isinstance(n, str) and n for n in names):
        raise ModelError(f"{what} must be a four-vector name or a list of names, not {arg!r}")
    if not names and not allow_empty:
        raise ModelError(f"{what} must name at least one four-vector")
    return tuple(sorted(names))


def _frame(frame: str) -> str:
    canonical = _FRAMES.get(frame.lower()) if isinstance(frame, str) else None
    if canonical is None:
        raise ModelError(
            f"unknown frame {frame!r}; use 'helicity' (or 'hx', 'hel') or 'gj' (or 'gottfried-jackson')"
        )
    return canonical


def _scalar_name(arg: str, what: str) -> str:
    if not isinstance(arg, str) or not arg:
        raise ModelError(f"{what} must be the name of a scalar column, not {arg!r}")
    return arg


def _eps_names(eps: Sequence[str]) -> tuple[str, str, str]:
    names = tuple(eps) if isinstance(eps, Sequence) and not isinstance(eps, str) else (eps,)
    if len(names) != 3:
        raise ModelError(f"eps must name three scalar columns (x, y, z), not {eps!r}")
    x, y, z = (_scalar_name(n, "each eps component") for n in names)
    return (x, y, z)


def _p4(dataset: Dataset, names: tuple[str, ...]) -> Vec4:
    return sum4([dataset.p4(n) for n in names])


class _Structural(ABC):
    """Immutable, compared and hashed by :attr:`key`; knows the columns it reads."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __getstate__(self) -> dict[str, Any]:
        slots = (s for cls in type(self).__mro__ for s in getattr(cls, "__slots__", ()))
        return {s: getattr(self, s) for s in slots if hasattr(self, s)}

    def __setstate__(self, state: dict[str, Any]) -> None:  # pickling: immutable once restored
        self._set(**state)

    @property
    def key(self) -> tuple[Hashable, ...]:
        """Structural identity: the class name followed by the normalised arguments."""
        return (type(self).__name__, *(getattr(self, "_" + f) for f in self._fields))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Structural) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, '_' + f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"

    @abstractmethod
    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        """The (four-vector names, scalar names) this reads from a dataset."""

    def check_columns(self, dataset: Dataset) -> None:
        """Raise :class:`~gpu_laddu.errors.DataError` naming a column ``dataset`` lacks."""
        p4s, scalars = self.required_columns()
        dataset.require(p4s, scalars, repr(self))


class Variable(_Structural):
    """A per-event real quantity computed from a dataset's columns.

    Subclasses define :meth:`required_columns` and ``_compute``; :meth:`value` checks the
    columns first.  Variables are immutable and hash by :attr:`key`.

    Examples
    --------
    >>> Mass("kshort1").key
    ('Mass', ('kshort1',))
    """

    __slots__ = ()

    def value(self, dataset: Dataset) -> Any:
        """The variable for every event of ``dataset``: a float64 array in ``dataset.ctx.xp``."""
        self.check_columns(dataset)
        return self._compute(dataset.ctx.xp, dataset)

    @abstractmethod
    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        """The values, once :meth:`value` has checked the columns."""


class Mass(Variable):
    """Invariant mass of the sum of ``constituents``: ``sqrt(max(m², 0))``.

    Parameters
    ----------
    constituents : str or list of str
        Four-vector name(s), summed.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(p4s={"k": np.array([[5.0, 0.0, 3.0, 0.0]])})
    >>> Mass("k").value(ds).tolist()
    [4.0]
    """

    __slots__ = ("_constituents",)
    _fields = ("constituents",)
    _constituents: tuple[str, ...]

    def __init__(self, constituents: Particle) -> None:
        self._set(_constituents=_particle(constituents, "Mass constituents"))

    @property
    def constituents(self) -> tuple[str, ...]:
        """The summed four-vector names (sorted)."""
        return self._constituents

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self._constituents), frozenset()

    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        return mass(xp, _p4(dataset, self._constituents))


class _DecayAngle(Variable):
    """Shared arguments and frame construction of :class:`CosTheta` and :class:`Phi`."""

    __slots__ = ("_beam", "_recoil", "_daughter", "_resonance", "_frame")
    _fields = ("beam", "recoil", "daughter", "resonance", "frame")
    _beam: tuple[str, ...]
    _recoil: tuple[str, ...]
    _daughter: tuple[str, ...]
    _resonance: tuple[str, ...]
    _frame: str

    def __init__(self, beam: Particle, recoil: Particle, daughter: Particle, resonance: Particle,
                 frame: str = "helicity") -> None:
        name = type(self).__name__
        self._set(
            _beam=_particle(beam, f"{name} beam"),
            _recoil=_particle(recoil, f"{name} recoil"),
            _daughter=_particle(daughter, f"{name} daughter"),
            _resonance=_particle(resonance, f"{name} resonance"),
            _frame=_frame(frame),
        )

    @property
    def frame(self) -> str:
        """``"helicity"`` or ``"gj"``."""
        return self._frame

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self._beam + self._recoil + self._daughter + self._resonance), frozenset()

    def _axes(self, xp: Any, dataset: Dataset) -> tuple[Vec3, Vec3, Vec3]:
        """(daughter momentum in the resonance frame, unit z axis, y hint)."""
        beam, recoil = _p4(dataset, self._beam), _p4(dataset, self._recoil)
        resonance = _p4(dataset, self._resonance)
        d = momentum(to_rest_frame(xp, _p4(dataset, self._daughter), resonance))
        if self._frame == "helicity":
            z = neg3(unit3(xp, momentum(to_rest_frame(xp, recoil, resonance))))
        else:
            z = unit3(xp, momentum(to_rest_frame(xp, beam, resonance)))
        y_hint = cross3(momentum(beam), neg3(momentum(recoil)))
        return d, z, y_hint


class CosTheta(_DecayAngle):
    """cos θ of ``daughter`` in the ``resonance`` rest frame (helicity or Gottfried-Jackson).

    Parameters
    ----------
    beam, recoil, daughter, resonance : str or list of str
        Four-vector name(s); lists are summed.
    frame : str
        ``"helicity"`` (also ``"hx"``, ``"hel"``) or ``"gj"`` (also ``"gottfried-jackson"``),
        case-insensitive.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> p4s = {"beam": [[5.0, 0, 0, 5.0]], "recoil": [[5.0, 0, 0, -5.0]],
    ...        "k1": [[2.5, 0.0, 0.0, 2.5]], "k2": [[2.5, 0.0, 0.0, -2.5]]}
    >>> ds = gl.from_numpy(p4s={k: np.array(v) for k, v in p4s.items()})
    >>> CosTheta("beam", "recoil", "k1", ["k1", "k2"], frame="gj").value(ds).tolist()
    [1.0]
    """

    __slots__ = ()

    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        d, z, _ = self._axes(xp, dataset)
        return costheta(xp, d, z)


class Phi(_DecayAngle):
    """φ of ``daughter`` in the ``resonance`` rest frame, in (-π, π].

    y = unit(h - ẑ(h·ẑ)) with the hint h = beam × (-recoil) from the stored momenta,
    x = y × z, φ = atan2(d⃗·ŷ, d⃗·x̂).  Arguments as for :class:`CosTheta`.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> def p4(px, py, pz, m):  # laddu's unit-test event (lab frame)
    ...     return np.array([[np.sqrt(m * m + px * px + py * py + pz * pz), px, py, pz]])
    >>> ds = gl.from_numpy(p4s={"beam": p4(0, 0, 8.747, 0), "proton": p4(0.119, 0.374, 0.222, 1.007),
    ...                         "k1": p4(-0.112, 0.293, 3.081, 0.498), "k2": p4(-0.007, -0.667, 5.446, 0.498)})
    >>> round(float(Phi("beam", "proton", "k1", ["k1", "k2"]).value(ds)[0]), 7)
    -2.6574626
    """

    __slots__ = ()

    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        d, z, y_hint = self._axes(xp, dataset)
        return phi(xp, d, z, y_hint)


class Angles(_Structural):
    """The decay angles (cos θ, φ) of ``daughter`` in the ``resonance`` rest frame.

    Parameters
    ----------
    beam, recoil, daughter, resonance : str or list of str
        Four-vector name(s); lists are summed.
    frame : str
        ``"helicity"`` (``"hx"``, ``"hel"``) or ``"gj"`` (``"gottfried-jackson"``).

    Attributes
    ----------
    costheta : CosTheta
    phi : Phi

    Examples
    --------
    >>> angles = Angles("beam", "proton", "kshort1", ["kshort1", "kshort2"], frame="HX")
    >>> angles.costheta.frame, angles.phi == Phi("beam", "proton", "kshort1", ["kshort2", "kshort1"])
    ('helicity', True)
    """

    __slots__ = ("_beam", "_recoil", "_daughter", "_resonance", "_frame", "costheta", "phi")
    _fields = ("beam", "recoil", "daughter", "resonance", "frame")
    _frame: str
    costheta: CosTheta
    phi: Phi

    def __init__(self, beam: Particle, recoil: Particle, daughter: Particle, resonance: Particle,
                 frame: str = "helicity") -> None:
        costheta = CosTheta(beam, recoil, daughter, resonance, frame)
        self._set(costheta=costheta, phi=Phi(beam, recoil, daughter, resonance, frame))
        self._set(**{"_" + f: getattr(costheta, "_" + f) for f in self._fields})

    @property
    def frame(self) -> str:
        """``"helicity"`` or ``"gj"``."""
        return self._frame

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return self.costheta.required_columns()


def _pol_source(angle: str | None, eps: Sequence[str] | None) -> tuple[str, Any]:
    if eps is not None:
        if angle is not None:
            raise ModelError("give either the polarisation angle column or eps=(x, y, z) columns, not both")
        return ("eps", _eps_names(eps))
    return ("angle", _scalar_name("pol_angle" if angle is None else angle, "angle"))


class PolAngle(Variable):
    """Angle Φ between the beam polarisation and the production plane.

    Φ = atan2(n̂·ε, b̂·(ε × n̂)) with n̂ = unit(beam × (-recoil)) and b̂ the beam direction.
    ε = (cos φ_lab, sin φ_lab, 0) with φ_lab read from the scalar column ``angle``, or, with
    ``eps=(x, y, z)``, the polarisation vector read from three scalar columns.

    Parameters
    ----------
    beam, recoil : str or list of str
        Four-vector name(s); lists are summed.
    angle : str, optional
        Scalar column of the lab polarisation angle (radians); default ``"pol_angle"``.
    eps : tuple of three str, optional
        Scalar columns of ε (instead of ``angle``).

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> beam, recoil = np.array([[5.0, 0, 0, 5.0]] * 2), np.array([[1.5, -0.5, 0, -0.5]] * 2)
    >>> ds = gl.from_numpy(p4s={"beam": beam, "p": recoil}, scalars={"pol_angle": np.array([0.0, np.pi / 2])})
    >>> PolAngle("beam", "p").value(ds).tolist()  # production plane = xz: ε in it, then normal to it
    [0.0, 1.5707963267948966]
    """

    __slots__ = ("_beam", "_recoil", "_source")
    _fields = ("beam", "recoil", "source")
    _beam: tuple[str, ...]
    _recoil: tuple[str, ...]
    _source: tuple[str, Any]

    def __init__(self, beam: Particle, recoil: Particle, angle: str | None = None, *,
                 eps: Sequence[str] | None = None) -> None:
        self._set(_beam=_particle(beam, "PolAngle beam"), _recoil=_particle(recoil, "PolAngle recoil"),
                  _source=_pol_source(angle, eps))

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        kind, names = self._source
        return frozenset(self._beam + self._recoil), frozenset(names if kind == "eps" else (names,))

    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        kind, names = self._source
        if kind == "eps":
            ex, ey, ez = (dataset.scalar(n) for n in names)
            eps: Vec3 = (ex, ey, ez)
        else:
            angle = dataset.scalar(names)
            eps = (xp.cos(angle), xp.sin(angle), xp.zeros_like(angle))
        beam = momentum(_p4(dataset, self._beam))
        n = unit3(xp, cross3(beam, neg3(momentum(_p4(dataset, self._recoil)))))
        return xp.arctan2(dot3(n, eps), dot3(unit3(xp, beam), cross3(eps, n)))


class PolMagnitude(Variable):
    """Degree of linear polarisation of the beam.

    The scalar column ``magnitude`` as stored, or ``|ε|`` with ``eps=(x, y, z)``.

    Parameters
    ----------
    magnitude : str, optional
        Scalar column; default ``"pol_magnitude"``.
    eps : tuple of three str, optional
        Scalar columns of ε (instead of ``magnitude``).

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(p4s={"beam": np.array([[1.0, 0, 0, 1.0]])},
    ...                    scalars={"ex": np.array([0.3]), "ey": np.array([0.4]), "ez": np.array([0.0])})
    >>> PolMagnitude(eps=("ex", "ey", "ez")).value(ds).tolist()
    [0.5]
    """

    __slots__ = ("_source",)
    _fields = ("source",)
    _source: tuple[str, Any]

    def __init__(self, magnitude: str | None = None, *, eps: Sequence[str] | None = None) -> None:
        if eps is not None:
            if magnitude is not None:
                raise ModelError("give either the polarisation magnitude column or eps=(x, y, z) columns, not both")
            self._set(_source=("eps", _eps_names(eps)))
        else:
            name = "pol_magnitude" if magnitude is None else magnitude
            self._set(_source=("magnitude", _scalar_name(name, "magnitude")))

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        kind, names = self._source
        return frozenset(), frozenset(names if kind == "eps" else (names,))

    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        kind, names = self._source
        if kind == "eps":
            return xp.sqrt(sum(dataset.scalar(n) ** 2 for n in names))
        return dataset.scalar(names).copy()


class Polarization(_Structural):
    """Beam polarisation: :attr:`pol_angle` (Φ) and :attr:`pol_magnitude` (P).

    Parameters
    ----------
    beam, recoil : str or list of str
        Four-vector name(s); lists are summed.
    magnitude, angle : str, optional
        Scalar columns of P and of the lab polarisation angle; defaults ``"pol_magnitude"``
        and ``"pol_angle"``.
    eps : tuple of three str, optional
        Scalar columns of the polarisation vector ε (AmpTools / older laddu files) instead of
        ``magnitude`` and ``angle``; then P = |ε|.

    Attributes
    ----------
    pol_angle : PolAngle
    pol_magnitude : PolMagnitude

    Examples
    --------
    >>> pol = Polarization("beam", "proton", eps=("eps_x", "eps_y", "eps_z"))
    >>> pol.required_columns()[1] == {"eps_x", "eps_y", "eps_z"}
    True
    >>> Polarization("beam", "proton").pol_magnitude == PolMagnitude("pol_magnitude")
    True
    """

    __slots__ = ("_beam", "_recoil", "_source", "pol_angle", "pol_magnitude")
    _fields = ("beam", "recoil", "source")

    pol_angle: PolAngle
    pol_magnitude: PolMagnitude

    def __init__(self, beam: Particle, recoil: Particle, magnitude: str | None = None, angle: str | None = None,
                 *, eps: Sequence[str] | None = None) -> None:
        pol_angle = PolAngle(beam, recoil, angle, eps=eps)
        pol_magnitude = PolMagnitude(magnitude, eps=eps)
        self._set(pol_angle=pol_angle, pol_magnitude=pol_magnitude, _beam=pol_angle._beam,
                  _recoil=pol_angle._recoil, _source=(pol_magnitude._source, pol_angle._source))

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4s, angle_scalars = self.pol_angle.required_columns()
        return p4s, angle_scalars | self.pol_magnitude.required_columns()[1]


class Mandelstam(Variable):
    """Mandelstam invariant s, t or u of the 2 → 2 process p1 + p2 → p3 + p4.

    s = (p1 + p2)², t = (p1 - p3)², u = (p1 - p4)².  At most one argument may be empty
    (``[]``); the equivalent form is then used: s = (p3 + p4)², t = (p4 - p2)²,
    u = (p3 - p2)² (laddu's rules).

    Parameters
    ----------
    p1, p2, p3, p4 : str or list of str
        Four-vector name(s) (summed); one may be empty (``[]`` or ``None``).
    channel : {"s", "t", "u"}
        Case-insensitive.

    Examples
    --------
    >>> import numpy as np, gpu_laddu as gl
    >>> ds = gl.from_numpy(p4s={"a": np.array([[2.0, 0, 0, 1.0]]), "b": np.array([[2.0, 0, 0, -1.0]])})
    >>> Mandelstam("a", "b", [], ["a", "b"], channel="s").value(ds).tolist()  # (a + b)²
    [16.0]
    >>> Mandelstam("a", "b", [], ["a", "b"], channel="t").value(ds).tolist()  # p3 empty: (p4 - b)² = a²
    [3.0]
    """

    __slots__ = ("_p1", "_p2", "_p3", "_p4", "_channel")
    _fields = ("p1", "p2", "p3", "p4", "channel")
    _p1: tuple[str, ...]
    _p2: tuple[str, ...]
    _p3: tuple[str, ...]
    _p4: tuple[str, ...]
    _channel: str

    def __init__(self, p1: Particle | None, p2: Particle | None, p3: Particle | None, p4: Particle | None,
                 channel: str = "s") -> None:
        parts = [_particle(p, f"Mandelstam p{i}", allow_empty=True) for i, p in enumerate((p1, p2, p3, p4), 1)]
        n_empty = sum(1 for p in parts if not p)
        if n_empty > 1:
            raise ModelError(f"Mandelstam: at most one of p1, p2, p3, p4 may be empty, got {n_empty} empty")
        lowered = channel.lower() if isinstance(channel, str) else None
        if lowered not in _CHANNELS:
            raise ModelError(f"unknown Mandelstam channel {channel!r}; use 's', 't' or 'u'")
        self._set(_p1=parts[0], _p2=parts[1], _p3=parts[2], _p4=parts[3], _channel=lowered)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self._p1 + self._p2 + self._p3 + self._p4), frozenset()

    def _compute(self, xp: Any, dataset: Dataset) -> Any:
        p1, p2, p3, p4 = self._p1, self._p2, self._p3, self._p4
        if self._channel == "s":
            a, b = (p1, p2) if p1 and p2 else (p3, p4)
            return mass2(add4(_p4(dataset, a), _p4(dataset, b)))
        if self._channel == "t":
            a, b = (p1, p3) if p1 and p3 else (p4, p2)
        else:
            a, b = (p1, p4) if p1 and p4 else (p3, p2)
        return mass2(sub4(_p4(dataset, a), _p4(dataset, b)))
