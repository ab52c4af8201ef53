"""The laddu 0.28.1 side of parity tests: γ p → K K p kinematics built from laddu's generic pieces.

laddu 0.28.1 has no ``Angles``/``Polarization``/``Zlm`` classes in Python; these helpers build
the equivalent symbolic expressions (``reference/laddu-spec.md`` §9) so that tests can compare
gpu_laddu against laddu on the same events.  Every function except :func:`laddu_dataset` and
:func:`laddu_evaluate` returns laddu ``Expr`` objects, to be combined further (Zlm, Breit-Wigner,
K-matrix) and evaluated with :func:`laddu_evaluate` or a laddu ``Model``.

The topology (:func:`kskp_channel`) is ``beam + target → kk + recoil``, ``kk → daughter1 +
daughter2``, with ``target`` and ``kk`` inferred from the other edges.  Default particle names
are those of :func:`gpu_laddu.generate.generate_kskp`: ``beam, proton, kshort1, kshort2``.

Import laddu only through the ``laddu`` fixture (tests are skipped without it), e.g.::

    def test_something(laddu, cpu_ctx):
        ds = generate_kskp(2000, ctx=cpu_ctx)
        costheta, phi = laddu_helicity_angles()
        out = laddu_evaluate(laddu_dataset(ds), {"costheta": costheta, "phi": phi})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

_MODULES: list[Any] = []


@contextmanager
def script_module(module: Any) -> Iterator[None]:
    """Run the laddu scripts of this module and :mod:`tests.laddu_models` with ``module`` as ``ld``.

    ``with script_module(gpu_laddu): expr = laddu_bw_zlm()`` builds the same script's model in
    gpu_laddu: the "change the import" path of the migration guide.
    """
    _MODULES.append(module)
    try:
        yield
    finally:
        _MODULES.pop()


def _ld() -> Any:
    if _MODULES:
        return _MODULES[-1]
    import laddu

    return laddu


def laddu_dataset(ds: Any) -> Any:
    """A laddu ``Dataset`` holding the same events as the gpu_laddu Dataset ``ds``.

    Every four-vector (as an (N, 4) array of E, px, py, pz) and scalar column is copied to the
    host; explicit weights are copied too (unit weights stay implicit).
    """
    ctx = ds.ctx
    p4s = {name: np.stack([ctx.to_numpy(c) for c in ds.p4(name)], axis=1) for name in ds.p4_names}
    scalars = {name: ctx.to_numpy(ds.scalar(name)) for name in ds.scalar_names}
    weights = ctx.to_numpy(ds.weights) if ds.has_explicit_weights else None
    return _ld().Dataset.from_arrays(p4s=p4s, scalars=scalars, weights=weights)


def laddu_evaluate(ld_dataset: Any, exprs: Mapping[str, Any], *, real: bool = True) -> dict[str, np.ndarray]:
    """Evaluate named laddu expressions on every event: ``{name: (N,) float64 or complex128}``.

    ``real=True`` requires real-valued expressions (complex ones raise); pass ``real=False``
    for amplitudes.  Runs on laddu's CPU backend in double precision.
    """
    ld = _ld()
    execution = ld.Execution("cpu", precision="f64")
    out = ld_dataset.evaluate(dict(exprs), execution=execution, real=real)
    return {name: np.asarray(v) for name, v in out.items()}


def kskp_channel(beam: str = "beam", recoil: str = "proton", daughter1: str = "kshort1",
                 daughter2: str = "kshort2") -> Any:
    """The laddu ``Channel`` beam + target → kk + recoil, kk → daughter1 + daughter2.

    Edges ``beam``, ``recoil``, ``daughter1``, ``daughter2`` read the dataset four-vectors of
    those names; ``target`` and ``kk`` have no column (inferred).  Vertices: ``production``
    and ``kk_decay``.
    """
    ld = _ld()
    edges = [
        ld.Edge("beam", p4=beam), ld.Edge("target"), ld.Edge("kk"), ld.Edge("recoil", p4=recoil),
        ld.Edge("daughter1", p4=daughter1), ld.Edge("daughter2", p4=daughter2),
    ]
    vertices = [
        ld.Vertex("production", incoming=["beam", "target"], outgoing=["kk", "recoil"]),
        ld.Vertex("kk_decay", incoming=["kk"], outgoing=["daughter1", "daughter2"]),
    ]
    return ld.Channel("gamma p -> K K p", edges=edges, vertices=vertices)


def _angles(frame: str, beam: str, recoil: str, daughter1: str, daughter2: str) -> tuple[Any, Any]:
    channel = kskp_channel(beam, recoil, daughter1, daughter2)
    production, decay = channel.vertex("production"), channel.vertex("kk_decay")
    y_hint = -(production.vec3("beam").cross(production.vec3("recoil")))
    z = -decay.vec3("recoil") if frame == "helicity" else decay.vec3("beam")
    return (decay.costheta("daughter1", z_axis=z, y_hint=y_hint),
            decay.phi("daughter1", z_axis=z, y_hint=y_hint))


def laddu_helicity_angles(beam: str = "beam", recoil: str = "proton", daughter1: str = "kshort1",
                          daughter2: str = "kshort2") -> tuple[Any, Any]:
    """(cos θ, φ) of ``daughter1`` in the helicity frame of daughter1 + daughter2.

    As in laddu's K-matrix benchmark: z = -recoil in the kk frame, y hint
    -(beam × recoil) in the production (γp CM) frame.  Matches
    ``gl.Angles(beam, recoil, daughter1, [daughter1, daughter2], "helicity")``.
    """
    return _angles("helicity", beam, recoil, daughter1, daughter2)


def laddu_gj_angles(beam: str = "beam", recoil: str = "proton", daughter1: str = "kshort1",
                    daughter2: str = "kshort2") -> tuple[Any, Any]:
    """(cos θ, φ) of ``daughter1`` in the Gottfried-Jackson frame (z = beam in the kk frame).

    Same y hint as :func:`laddu_helicity_angles`.  Matches ``gl.Angles(..., frame="gj")``.
    """
    return _angles("gj", beam, recoil, daughter1, daughter2)


def laddu_polarization(beam: str = "beam", recoil: str = "proton", *, magnitude: str = "pol_magnitude",
                       angle: str = "pol_angle", eps: Sequence[str] | None = None) -> tuple[Any, Any]:
    """(Φ, P): the polarisation angle and magnitude as laddu expressions.

    Φ = atan2(n̂·ε, b̂·(ε × n̂)) with n̂ = unit(beam × (-recoil)) from the stored momenta
    (``Vec3.event``).  ε = (cos φ, sin φ, 0) from the scalar ``angle`` and P = scalar
    ``magnitude``; or, with ``eps=(x, y, z)`` scalar names, ε from those columns and P = |ε|.
    Matches ``gl.Polarization(beam, recoil, magnitude, angle)`` / ``(..., eps=...)``.
    """
    ld = _ld()
    b, r = ld.Vec3.event(beam), ld.Vec3.event(recoil)
    if eps is None:
        phi_lab = ld.scalar(angle)
        eps_vec = ld.Vec3(phi_lab.cos(), phi_lab.sin(), 0.0)
        pol_magnitude = ld.scalar(magnitude)
    else:
        eps_vec = ld.Vec3(*(ld.scalar(n) for n in eps))
        pol_magnitude = eps_vec.mag()
    n = b.cross(-r).unit()
    pol_angle = ld.atan2(n.dot(eps_vec), b.unit().dot(eps_vec.cross(n)))
    return pol_angle, pol_magnitude


def laddu_mass_s(beam: str = "beam", recoil: str = "proton", daughter1: str = "kshort1",
                 daughter2: str = "kshort2") -> tuple[Any, Any]:
    """(m, s) of the daughter1 + daughter2 system: its invariant mass and mass squared.

    ``s`` is what laddu's Breit-Wigner and K-matrix functions take (``channel.s("kk")``).
    Matches ``gl.Mass([daughter1, daughter2])`` and its square.
    """
    channel = kskp_channel(beam, recoil, daughter1, daughter2)
    return channel.mass("kk"), channel.s("kk")


def laddu_mandelstam(channel: str, beam: str = "beam", recoil: str = "proton", daughter1: str = "kshort1",
                     daughter2: str = "kshort2") -> Any:
    """Mandelstam ``channel`` ('s', 't', 'u') of the production vertex beam + target → kk + recoil.

    s = (beam + target)², t = (beam - kk)², u = (beam - recoil)²; matches
    ``gl.Mandelstam(beam, [], [daughter1, daughter2], recoil, channel)``.
    """
    ld = _ld()
    vertex = kskp_channel(beam, recoil, daughter1, daughter2).vertex("production")
    return vertex.mandelstam(ld.MandelstamChannel(channel))
