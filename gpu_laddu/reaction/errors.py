"""Errors of reaction graphs and particles (all :class:`gpu_laddu.ModelError` subclasses).

Each message names the argument at fault and lists what the graph knows (its edges,
vertices and four-vector columns), so that a typo is visible at once.

Examples
--------
>>> from gpu_laddu.reaction.errors import ReactionError
>>> import gpu_laddu as gl
>>> issubclass(ReactionError, gl.ModelError)
True
"""

from __future__ import annotations

from gpu_laddu.errors import DataError, ModelError


class ReactionError(ModelError):
    """Base class: an invalid particle, edge, vertex or channel."""


class ParticleError(ReactionError):
    """An invalid particle property, or an unknown one read through its strict accessor."""


class UnknownEdgeError(ReactionError, KeyError):
    """An edge name that the channel (or a vertex of it) does not define."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownVertexError(ReactionError, KeyError):
    """A vertex name that the channel does not define."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TopologyError(ReactionError):
    """A graph that is not a tree of decays: a cycle, disconnected parts, an edge used twice."""


class InferenceError(ReactionError):
    """A four-momentum that cannot be (uniquely) inferred by four-momentum conservation."""


class MissingColumnError(ReactionError, DataError):
    """A dataset lacks a four-vector column that a channel's edge reads."""
