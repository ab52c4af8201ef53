"""Event generation: seeded n-body phase space and the γp → K_S K_S p demo samples."""

from gpu_laddu.generate.accept_reject import generate_by_model
from gpu_laddu.generate.channel import GenerationReport, Generator
from gpu_laddu.generate.phase_space import (
    NBodyPhaseSpace,
    generate_kskp,
    generate_kskp_mc,
    generate_phase_space,
    phase_space_events,
)
from gpu_laddu.generate.proposals import GenerationError, InitialMomentum, MassProposal, ScalarSource, VertexProposal

__all__ = [
    "GenerationError",
    "GenerationReport",
    "Generator",
    "InitialMomentum",
    "MassProposal",
    "ScalarSource",
    "VertexProposal",
    "NBodyPhaseSpace",
    "generate_by_model",
    "generate_kskp",
    "generate_kskp_mc",
    "generate_phase_space",
    "phase_space_events",
]
