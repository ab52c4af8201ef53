"""The example topologies of the reaction tests, built the same way for gpu_laddu and laddu.

Each topology is (edges, vertices, make_events): edges are ``(name, p4 column or None)``,
vertices ``(name, incoming, outgoing)``; ``make_events(n, seed)`` returns ``{column: (n, 4)}``
arrays of (E, px, py, pz) with exact four-momentum conservation up to rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpu_laddu.generate.phase_space import phase_space_events
from gpu_laddu.physics.vectors import boost

M_P, M_PI0, M_PIC, M_KS = 0.93827208816, 0.1349768, 0.13957039, 0.497611


def _boost_all(p4s: dict[str, np.ndarray], b: tuple[Any, Any, Any]) -> dict[str, np.ndarray]:
    out = {}
    for name, p in p4s.items():
        e, px, py, pz = boost(np, (p[:, 0], p[:, 1], p[:, 2], p[:, 3]), b)
        out[name] = np.stack([e, px, py, pz], axis=1)
    return out


def _photoproduction(n: int, seed: int, names: list[str], masses: list[float], w: float) -> dict[str, np.ndarray]:
    """γ p → final state at CM energy ``w``, seen in the lab (target at rest), slightly tilted."""
    p4s, _ = phase_space_events(w, masses, n, seed=seed)
    q = (w * w - M_P * M_P) / (2 * w)
    events = dict(zip(names, p4s))
    events["beam"] = np.tile([q, 0.0, 0.0, q], (n, 1))
    beta_cm = q / np.sqrt(q * q + M_P * M_P)  # the target moves with -β in the CM frame
    rng = np.random.default_rng(seed + 99)
    tilt = rng.normal(0.0, 0.02, size=(2, n))  # a small transverse motion: no frame is special
    return _boost_all(events, (tilt[0], tilt[1], np.full(n, beta_cm)))


def omega_pi0_p_events(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    return _photoproduction(n, seed, ["proton", "pi0_b", "pip", "pim", "pi0_w"],
                            [M_P, M_PI0, M_PIC, M_PIC, M_PI0], 3.2)


def kskp_events(n: int, seed: int = 2) -> dict[str, np.ndarray]:
    return _photoproduction(n, seed, ["proton", "kshort1", "kshort2"], [M_P, M_KS, M_KS], 3.0)


def rho_pi_events(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    p4s, _ = phase_space_events(1.6, [M_PIC, M_PIC, M_PI0], n, seed=seed)
    rng = np.random.default_rng(seed + 7)
    b = rng.normal(0.0, 0.3, size=(3, n)) / np.sqrt(3)
    return _boost_all(dict(zip(["pi1", "pi2", "pi3"], p4s)), (b[0], b[1], b[2]))


OMEGA_PI0_P = (
    [("beam", "beam"), ("target", None), ("b1", None), ("recoil", "proton"), ("omega", None),
     ("pi0_b", "pi0_b"), ("pip", "pip"), ("pim", "pim"), ("pi0_w", "pi0_w")],
    [("production", ["beam", "target"], ["b1", "recoil"]), ("b1_decay", ["b1"], ["omega", "pi0_b"]),
     ("omega_decay", ["omega"], ["pip", "pim", "pi0_w"])],
    omega_pi0_p_events,
)
RHO_PI = (
    [("X", None), ("rho", None), ("pi1", "pi1"), ("pi2", "pi2"), ("pi3", "pi3")],
    [("X_decay", ["X"], ["rho", "pi3"]), ("rho_decay", ["rho"], ["pi1", "pi2"])],
    rho_pi_events,
)
KSKP = (
    [("beam", "beam"), ("target", None), ("kk", None), ("proton", "proton"), ("kshort1", "kshort1"),
     ("kshort2", "kshort2")],
    [("production", ["beam", "target"], ["kk", "proton"]), ("kk_decay", ["kk"], ["kshort1", "kshort2"])],
    kskp_events,
)
TOPOLOGIES = {"omega_pi0_p": OMEGA_PI0_P, "rho_pi": RHO_PI, "kskp": KSKP}


def build(lib: Any, topology: Any) -> Any:
    """The Channel of ``topology`` in ``lib`` (``gpu_laddu`` or ``laddu``)."""
    edges, vertices, _ = topology
    return lib.Channel("test", edges=[lib.Edge(n, p4=c) for n, c in edges],
                       vertices=[lib.Vertex(n, incoming=i, outgoing=o) for n, i, o in vertices])
