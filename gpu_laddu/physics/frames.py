"""Rest frames and decay angles on whole event columns: the one place boosts become frames.

Both the kinematic variables (:mod:`gpu_laddu.physics.variables`) and the reaction graphs
(:mod:`gpu_laddu.reaction`) compute their frames and angles here, with the boost of
:func:`gpu_laddu.physics.vectors.boost` (laddu's form).

* :func:`chain_boosts` — the velocities that take the stored frame into the rest frame of the
  last of a chain of four-vectors, each boost seen in the frame reached by the ones before it
  (laddu 0.28.1's vertex frames: the root vertex's centre of momentum, then each decaying
  edge on the way to the vertex in its parent's frame);
* :func:`apply_boosts` — a four-vector seen in that frame;
* :func:`costheta_phi` — cos θ and φ of a momentum about an axis ``z`` with the azimuth fixed by
  a hint ``y`` (laddu: ``ŷ = unit(h - ẑ(h·ẑ))``, ``x̂ = ŷ × ẑ``, ``φ = atan2(p·ŷ, p·x̂)``).

Examples
--------
>>> import numpy as np
>>> k = (np.array([5.0]), np.array([0.0]), np.array([0.0]), np.array([4.0]))
>>> rest = apply_boosts(np, k, chain_boosts(np, [k]))
>>> [round(float(c[0]), 12) + 0.0 for c in rest]
[3.0, 0.0, 0.0, 0.0]
>>> c, phi = costheta_phi(np, (0.0, 1.0, 1.0), (0.0, 0.0, 2.0), (0.0, 1.0, 0.0))
>>> round(float(c), 12), round(float(phi), 12)
(0.707106781187, 1.570796326795)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gpu_laddu.physics.vectors import Vec3, Vec4, beta, boost, cross3, dot3, mag3, neg3, scale3, sub3, unit3


def chain_boosts(xp: Any, frames: Sequence[Vec4]) -> list[Vec3]:
    """The boost velocities into the rest frame of ``frames[-1]`` through the chain ``frames``.

    ``frames`` are stored-frame four-vectors; the k-th boost is ``-β`` of ``frames[k]`` after
    the boosts before it (laddu's sequential vertex frames).

    >>> import numpy as np
    >>> b = chain_boosts(np, [(np.array([2.0]), np.array([0.0]), np.array([0.0]), np.array([1.0]))])
    >>> [float(c[0]) for c in b[0]]
    [-0.0, -0.0, -0.5]
    """
    betas: list[Vec3] = []
    for frame in frames:
        betas.append(neg3(beta(apply_boosts(xp, frame, betas))))
    return betas


def apply_boosts(xp: Any, p: Vec4, betas: Sequence[Vec3]) -> Vec4:
    """``p`` boosted by each velocity of ``betas`` in turn.

    >>> import numpy as np
    >>> [float(c) for c in apply_boosts(np, (1.0, 0.0, 0.0, 0.0), [(0.0, 0.0, 0.6)])]
    [1.25, 0.0, 0.0, 0.75]
    """
    for b in betas:
        p = boost(xp, p, b)
    return p


def costheta(xp: Any, p: Vec3, z: Vec3) -> Any:
    """cos θ of ``p`` about the axis ``z`` (any length): ``p·ẑ / |p|`` (laddu's order).

    >>> import numpy as np
    >>> float(costheta(np, (3.0, 0.0, 4.0), (0.0, 0.0, 10.0)))
    0.8
    """
    return dot3(p, unit3(xp, z)) / mag3(xp, p)


def phi(xp: Any, p: Vec3, z: Vec3, y_hint: Vec3) -> Any:
    """φ of ``p`` in the frame with axis ``z`` and the y axis along ``y_hint`` ⟂ ``z``, in (-π, π].

    >>> import numpy as np
    >>> round(float(phi(np, (0.0, -1.0, 1.0), (0.0, 0.0, 1.0), (0.0, 1.0, 0.0))), 12)
    -1.570796326795
    """
    zhat = unit3(xp, z)
    y = unit3(xp, sub3(y_hint, scale3(zhat, dot3(y_hint, zhat))))
    x = cross3(y, zhat)
    return xp.arctan2(dot3(p, y), dot3(p, x))


def costheta_phi(xp: Any, p: Vec3, z: Vec3, y_hint: Vec3) -> tuple[Any, Any]:
    """(cos θ, φ) of ``p`` about ``z`` with the azimuth fixed by ``y_hint``.

    >>> import numpy as np
    >>> [round(float(v), 12) for v in costheta_phi(np, (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, 1.0, 0.0))]
    [0.0, 0.0]
    """
    return costheta(xp, p, z), phi(xp, p, z, y_hint)
