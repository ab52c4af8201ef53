"""Four-vector and three-vector algebra on whole event columns.

A four-vector is a tuple ``(E, px, py, pz)`` of equal-length 1-D arrays and a three-vector a
tuple ``(x, y, z)``, all in one array namespace ``xp`` (numpy or cupy).  Every function works
on entire columns at once; there are no per-event Python loops.  Functions that need more
than arithmetic (``sqrt``, ``atan2``, ``maximum``) take the namespace ``xp`` as their first
argument.  The metric is (+, -, -, -), as in laddu.

Examples
--------
>>> import numpy as np
>>> p = (np.array([5.0]), np.array([0.0]), np.array([0.0]), np.array([4.0]))
>>> float(mass(np, p)[0])
3.0
>>> rest = boost(np, p, neg3(beta(p)))
>>> [round(float(c[0]), 12) + 0.0 for c in rest]
[3.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Vec3 = tuple[Any, Any, Any]
"""A three-vector: ``(x, y, z)`` columns."""

Vec4 = tuple[Any, Any, Any, Any]
"""A four-vector: ``(E, px, py, pz)`` columns."""


# -- three-vectors --------------------------------------------------------------------------
def dot3(a: Vec3, b: Vec3) -> Any:
    """Euclidean dot product ``a·b``.

    >>> float(dot3((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)))
    32.0
    """
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross3(a: Vec3, b: Vec3) -> Vec3:
    """Cross product ``a × b``.

    >>> cross3((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
    (0.0, 0.0, 1.0)
    """
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def scale3(v: Vec3, s: Any) -> Vec3:
    """Each component times ``s`` (a number or a column).

    >>> scale3((1.0, -2.0, 0.5), 2.0)
    (2.0, -4.0, 1.0)
    """
    return (v[0] * s, v[1] * s, v[2] * s)


def sub3(a: Vec3, b: Vec3) -> Vec3:
    """Component-wise difference ``a - b``.

    >>> sub3((1.0, 2.0, 3.0), (1.0, 1.0, 1.0))
    (0.0, 1.0, 2.0)
    """
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def neg3(v: Vec3) -> Vec3:
    """The opposite vector ``-v``.

    >>> neg3((1.0, -2.0, 0.0))
    (-1.0, 2.0, -0.0)
    """
    return (-v[0], -v[1], -v[2])


def mag3(xp: Any, v: Vec3) -> Any:
    """Euclidean length ``|v|``.

    >>> import numpy as np
    >>> float(mag3(np, (3.0, 4.0, 12.0)))
    13.0
    """
    return xp.sqrt(dot3(v, v))


def unit3(xp: Any, v: Vec3) -> Vec3:
    """``v / |v|`` (NaN where ``|v| = 0``, as in laddu).

    >>> import numpy as np
    >>> [float(c) for c in unit3(np, (0.0, 0.0, 2.0))]
    [0.0, 0.0, 1.0]
    """
    return scale3(v, 1.0 / mag3(xp, v))


# -- four-vectors ---------------------------------------------------------------------------
def add4(a: Vec4, b: Vec4) -> Vec4:
    """Component-wise sum ``a + b``.

    >>> add4((1.0, 0.0, 0.0, 1.0), (2.0, 0.5, 0.0, -1.0))
    (3.0, 0.5, 0.0, 0.0)
    """
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def sub4(a: Vec4, b: Vec4) -> Vec4:
    """Component-wise difference ``a - b``.

    >>> sub4((3.0, 0.5, 0.0, 0.0), (2.0, 0.5, 0.0, -1.0))
    (1.0, 0.0, 0.0, 1.0)
    """
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3])


def sum4(vectors: Sequence[Vec4]) -> Vec4:
    """Sum of one or more four-vectors, added left to right.

    >>> sum4([(1.0, 0.0, 0.0, 1.0), (1.0, 0.0, 0.0, -1.0), (0.5, 0.5, 0.0, 0.0)])
    (2.5, 0.5, 0.0, 0.0)
    """
    if not vectors:
        raise ValueError("sum4 needs at least one four-vector")
    total = vectors[0]
    for v in vectors[1:]:
        total = add4(total, v)
    return total


def momentum(p: Vec4) -> Vec3:
    """The three-momentum ``(px, py, pz)`` of a four-vector.

    >>> momentum((5.0, 1.0, 2.0, 3.0))
    (1.0, 2.0, 3.0)
    """
    return (p[1], p[2], p[3])


def dot4(a: Vec4, b: Vec4) -> Any:
    """Minkowski product ``a·b = a_E b_E - a⃗·b⃗``.

    >>> float(dot4((5.0, 1.0, 2.0, 3.0), (2.0, 1.0, 0.0, 0.0)))
    9.0
    """
    return a[0] * b[0] - dot3(momentum(a), momentum(b))


def mass2(p: Vec4) -> Any:
    """Invariant mass squared ``E² - |p⃗|²`` (negative for space-like vectors, e.g. t).

    >>> float(mass2((5.0, 0.0, 3.0, 0.0)))
    16.0
    """
    return dot4(p, p)


def mass(xp: Any, p: Vec4) -> Any:
    """Invariant mass ``sqrt(max(m², 0))`` (laddu 0.28.1's ``Vec4.mass``: 0 when space-like).

    >>> import numpy as np
    >>> mass(np, (np.array([5.0, 1.0]), np.zeros(2), np.array([3.0, 0.0]), np.array([0.0, 1.0 + 1e-9]))).tolist()
    [4.0, 0.0]
    """
    return xp.sqrt(xp.maximum(mass2(p), 0.0))


def beta(p: Vec4) -> Vec3:
    """Velocity ``p⃗ / E`` of a four-vector.

    >>> beta((4.0, 2.0, 0.0, 1.0))
    (0.5, 0.0, 0.25)
    """
    return scale3(momentum(p), 1.0 / p[0])


def boost(xp: Any, p: Vec4, b: Vec3) -> Vec4:
    """Lorentz boost of ``p`` by velocity ``b`` (a particle at rest ends up moving with ``b``).

    Uses laddu's form ``p⃗' = p⃗ + b⃗ [γ²/(γ+1) (b⃗·p⃗) + γE]``, ``E' = γ(E + b⃗·p⃗)``, which stays
    exact for ``b⃗ = 0``.

    >>> import numpy as np
    >>> e, px, py, pz = boost(np, (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.6))
    >>> round(float(e), 12), round(float(pz), 12)
    (1.25, 0.75)
    """
    bp = dot3(b, momentum(p))
    gamma = 1.0 / xp.sqrt(1.0 - dot3(b, b))
    factor = gamma * gamma / (gamma + 1.0)
    coeff = factor * bp + gamma * p[0]
    return (gamma * (p[0] + bp), p[1] + b[0] * coeff, p[2] + b[1] * coeff, p[3] + b[2] * coeff)


def to_rest_frame(xp: Any, p: Vec4, frame: Vec4) -> Vec4:
    """``p`` seen in the rest frame of the four-vector ``frame`` (a boost by ``-β(frame)``).

    >>> import numpy as np
    >>> k = (np.array([5.0]), np.array([0.0]), np.array([0.0]), np.array([4.0]))
    >>> [round(float(c[0]), 12) + 0.0 for c in to_rest_frame(np, k, k)]
    [3.0, 0.0, 0.0, 0.0]
    """
    return boost(xp, p, neg3(beta(frame)))
