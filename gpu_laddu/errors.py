"""Exception hierarchy: every error the library raises on bad input is a :class:`GpuLadduError`.

Examples
--------
>>> from gpu_laddu.errors import GpuLadduError, DataError
>>> issubclass(DataError, GpuLadduError) and issubclass(DataError, ValueError)
True
"""

from __future__ import annotations


class GpuLadduError(Exception):
    """Base class of all gpu_laddu errors."""


class BackendUnavailableError(GpuLadduError, RuntimeError):
    """A requested device, backend or communicator cannot be provided on this machine."""


class ContextError(GpuLadduError, ValueError):
    """An invalid ExecutionContext request, or objects from different contexts were mixed."""


class DataError(GpuLadduError, ValueError):
    """Invalid input data: a missing file or column, nulls, non-finite values, bad four-momenta."""


class ModelError(GpuLadduError, ValueError):
    """An invalid model: bad amplitude arguments, duplicate names, missing dataset columns."""


class ExpressionTypeError(ModelError, TypeError):
    """A value that cannot take part in an expression (a string, an array where a scalar is needed)."""


class ParameterError(GpuLadduError, ValueError):
    """Invalid parameter values: wrong length, unknown names, non-finite numbers, out of bounds."""


class LikelihoodError(GpuLadduError, ArithmeticError):
    """The likelihood cannot be evaluated, e.g. the intensity is <= 0 or non-finite at data events."""


class FitError(GpuLadduError, RuntimeError):
    """A fit, MCMC or bootstrap request cannot be carried out."""


class IRError(GpuLadduError, TypeError):
    """An IR graph is malformed, or a lowering has no rule for one of its nodes."""


class CommunicationError(GpuLadduError, RuntimeError):
    """A distributed (MPI/NCCL) operation failed."""
