"""Physics on event columns: four-vector algebra and kinematic variables (as ``xp`` array code)."""

from gpu_laddu.physics.variables import (
    Angles,
    CosTheta,
    Mandelstam,
    Mass,
    Phi,
    PolAngle,
    Polarization,
    PolMagnitude,
    Variable,
)

__all__ = [
    "Angles",
    "CosTheta",
    "Mandelstam",
    "Mass",
    "Phi",
    "PolAngle",
    "PolMagnitude",
    "Polarization",
    "Variable",
]
