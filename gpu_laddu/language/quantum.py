"""Angular-momentum quantum numbers with laddu 0.28.1's names: ``J``, ``S``, ``L`` and ``M``.

Each value is held exactly, as twice its value (``doubled``).  ``J`` and ``S`` are
nonnegative integers or half-integers, ``L`` a nonnegative integer, ``M`` an integer or
half-integer projection of either sign.  They are accepted, like ints, floats holding an exact
(half-)integer and :class:`fractions.Fraction`, wherever a language function takes a quantum
number (:func:`~gpu_laddu.language.angular.spherical_harmonic`, ``WignerD``,
``clebsch_gordan``, the barrier factors).

Examples
--------
>>> from fractions import Fraction
>>> J(1.5), J(Fraction(3, 2)).multiplicity, M(-0.5) + M(1)
(J(3/2), 4, M(1/2))
>>> str(L(2)), L(3).parity
('D', -1)
>>> J(0.5).coupled_with(S(1))
[J(1/2), J(3/2)]
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from gpu_laddu.errors import ModelError

__all__ = ["J", "L", "M", "S", "doubled_value"]

_SPECTROSCOPIC = "SPDFGHIKLMNOQRTUVWXYZ"


def doubled_value(value: Any, name: str, *, nonnegative: bool, integer: bool) -> int:
    """Twice ``value`` as an exact int, or ModelError naming ``name``.

    ``value`` may be an int, a float or :class:`~fractions.Fraction` holding an exact integer
    or half-integer, or a ``J``/``S``/``L``/``M``.

    Examples
    --------
    >>> doubled_value(1.5, "j", nonnegative=True, integer=False)
    3
    >>> doubled_value(0.3, "m", nonnegative=False, integer=False)
    Traceback (most recent call last):
    ...
    gpu_laddu.errors.ModelError: m must be an integer or half-integer, got 0.3
    """
    what = "an integer" if integer else "an integer or half-integer"
    if isinstance(value, _QuantumNumber):
        doubled = value.doubled
    elif isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.integer, np.floating)):
        raise ModelError(f"{name} must be {what} (int, float, fractions.Fraction, J, S, L or M), "
                         f"got {type(value).__name__} {value!r}")
    elif isinstance(value, (int, np.integer)):
        doubled = 2 * int(value)
    else:
        if isinstance(value, (float, np.floating)) and not math.isfinite(value):
            raise ModelError(f"{name} must be finite, got {value!r}")
        twice = 2 * value
        exact = twice.denominator == 1 if isinstance(twice, Fraction) else float(twice).is_integer()
        if not exact:
            raise ModelError(f"{name} must be {what}, got {value!r}")
        doubled = int(twice)
    if integer and doubled % 2:
        raise ModelError(f"{name} must be {what}, got {Fraction(doubled, 2)}")
    if nonnegative and doubled < 0:
        raise ModelError(f"{name} must be nonnegative, got {Fraction(doubled, 2)}")
    return doubled


def _fraction_of(value: Any) -> Fraction:
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    return Fraction(value)


class _QuantumNumber:
    """An exact integer or half-integer, stored doubled (immutable)."""

    __slots__ = ("_doubled",)
    _doubled: int
    _nonnegative = True
    _integer = False

    def __init__(self, value: Any) -> None:
        name = type(self).__name__
        object.__setattr__(self, "_doubled", doubled_value(value, name, nonnegative=self._nonnegative,
                                                           integer=self._integer))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def doubled(self) -> int:
        """Twice the value, exact."""
        return int(self._doubled)

    @property
    def is_integer(self) -> bool:
        """Whether the value is integral."""
        return self._doubled % 2 == 0

    @property
    def value(self) -> float:
        """The value as a float."""
        return self._doubled / 2

    def _fraction(self) -> Fraction:
        return Fraction(self._doubled, 2)

    def __float__(self) -> float:
        return self._doubled / 2

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._fraction()})"

    @staticmethod
    def _other(other: Any) -> Fraction | None:
        if isinstance(other, _QuantumNumber):
            return other._fraction()
        if isinstance(other, (int, float, Fraction, np.integer, np.floating)) and not isinstance(other, bool):
            return _fraction_of(other) if math.isfinite(other) else None
        return None

    def __eq__(self, other: object) -> bool:
        o = self._other(other)
        return o is not None and self._fraction() == o

    def __hash__(self) -> int:
        return hash(self._fraction())

    def _compare(self, other: Any) -> Fraction:
        o = self._other(other)
        if o is None:
            raise TypeError(f"cannot compare {type(self).__name__} with {type(other).__name__}")
        return o

    def __lt__(self, other: Any) -> bool:
        return self._fraction() < self._compare(other)

    def __le__(self, other: Any) -> bool:
        return self._fraction() <= self._compare(other)

    def __gt__(self, other: Any) -> bool:
        return self._fraction() > self._compare(other)

    def __ge__(self, other: Any) -> bool:
        return self._fraction() >= self._compare(other)

    def _sum(self, other: Any, sign: int) -> Any:
        o = self._other(other)
        if o is None:
            return NotImplemented
        return type(self)(self._fraction() + sign * o)

    def __add__(self, other: Any) -> Any:
        return self._sum(other, 1)

    __radd__ = __add__


class _Magnitude(_QuantumNumber):
    """Shared methods of J, S and L (nonnegative values)."""

    __slots__ = ()

    def projections(self) -> list[M]:
        """Every magnetic projection from −value through +value."""
        return [M(Fraction(d, 2)) for d in range(-self._doubled, self._doubled + 1, 2)]

    @property
    def multiplicity(self) -> int:
        """Number of projections, 2·value + 1."""
        return self._doubled + 1


class _Spin(_Magnitude):
    """Shared methods of J and S."""

    __slots__ = ()

    def coupled_with(self, other: Any) -> list[J]:
        """Every total angular momentum from coupling with ``other`` (|a−b| … a+b)."""
        b = doubled_value(other, "other", nonnegative=True, integer=False)
        return [J(Fraction(d, 2)) for d in range(abs(self._doubled - b), self._doubled + b + 1, 2)]

    def can_couple_to(self, first: Any, second: Any) -> bool:
        """Whether ``first`` and ``second`` couple to this value (triangle rule, parity of 2j)."""
        a = doubled_value(first, "first", nonnegative=True, integer=False)
        b = doubled_value(second, "second", nonnegative=True, integer=False)
        d = self._doubled
        return abs(a - b) <= d <= a + b and (a + b - d) % 2 == 0


class J(_Spin):
    """A nonnegative integer or half-integer total angular momentum.

    Parameters
    ----------
    value : J, S, L, M, int, float or fractions.Fraction
        An exact nonnegative integer or half-integer.

    Raises
    ------
    ModelError
        For anything else (e.g. ``J(1.3)``, ``J(-1)``).

    Examples
    --------
    >>> J(1.5).multiplicity, J(1.5).projections()[0]
    (4, M(-3/2))
    """

    __slots__ = ()


class S(_Spin):
    """A particle spin: like :class:`J` (nonnegative integer or half-integer).

    Examples
    --------
    >>> S(0.5).doubled
    1
    """

    __slots__ = ()


class L(_Magnitude):
    """A nonnegative integral orbital angular momentum (``str`` gives S, P, D, ...).

    Examples
    --------
    >>> L(2).value, str(L(2)), L(1).projections()
    (2, 'D', [M(-1), M(0), M(1)])
    """

    __slots__ = ()
    _integer = True

    @property
    def value(self) -> int:
        """The orbital angular momentum as an int."""
        return self._doubled // 2

    @property
    def parity(self) -> int:
        """The orbital parity (−1)^L, as +1 or −1."""
        return -1 if self.value % 2 else 1

    def __str__(self) -> str:
        v = self.value
        return _SPECTROSCOPIC[v] if v < len(_SPECTROSCOPIC) else f"L{v}"


class M(_QuantumNumber):
    """An integer or half-integer angular-momentum projection (either sign).

    Examples
    --------
    >>> -M(0.5), M(1) - M(3), M(2).is_integer
    (M(-1/2), M(-2), True)
    """

    __slots__ = ()
    _nonnegative = False

    def __neg__(self) -> M:
        return M(-self._fraction())

    def __sub__(self, other: Any) -> Any:
        return self._sum(other, -1)

    def __rsub__(self, other: Any) -> Any:
        result = self._sum(other, -1)
        return result if result is NotImplemented else -result
