"""Reactions: particles, reaction graphs (Channel/Edge/Vertex) and vertex frames (laddu 0.28.1's API).

Examples
--------
>>> from gpu_laddu.reaction import Channel, Edge, Vertex, particles
>>> particles.PI_ZERO.mass
0.1349768
"""

from gpu_laddu.reaction import particles
from gpu_laddu.reaction.channel import Channel, VertexFrame
from gpu_laddu.reaction.errors import (
    InferenceError,
    MissingColumnError,
    ParticleError,
    ReactionError,
    TopologyError,
    UnknownEdgeError,
    UnknownVertexError,
)
from gpu_laddu.reaction.frames import FrameVec3, ReactionColumn
from gpu_laddu.reaction.graph import Edge, Vertex
from gpu_laddu.reaction.particle import Particle

__all__ = [
    "Channel",
    "Edge",
    "FrameVec3",
    "InferenceError",
    "MissingColumnError",
    "Particle",
    "ParticleError",
    "ReactionColumn",
    "ReactionError",
    "TopologyError",
    "UnknownEdgeError",
    "UnknownVertexError",
    "Vertex",
    "VertexFrame",
    "particles",
]
