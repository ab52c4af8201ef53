"""gpu_laddu: GPU-first amplitude analysis (unbinned maximum-likelihood fits of coherent
sums of amplitudes), with NumPy/Numba CPU fallbacks and MPI/NCCL for clusters.

Importing this package loads no cupy, cudf, numba or mpi4py.

Examples
--------
>>> import gpu_laddu as gl
>>> gl.ExecutionContext(device="cpu", backend="numpy").backend
'numpy'
"""

from gpu_laddu.context import ExecutionContext, default_context
from gpu_laddu.data import Dataset, from_numpy
from gpu_laddu.errors import (
    BackendUnavailableError,
    CommunicationError,
    ContextError,
    DataError,
    FitError,
    GpuLadduError,
    IRError,
    LikelihoodError,
    ModelError,
    ParameterError,
)
from gpu_laddu.amplitudes.base import ComplexScalar, PolarComplexScalar, Scalar
from gpu_laddu.ir.expr import Expression, constant, parameter
from gpu_laddu.likelihood import NLL, Evaluator, ExtendedNLL, Model

__version__ = "0.1.0"

__all__ = [
    "ComplexScalar",
    "NLL",
    "PolarComplexScalar",
    "Scalar",
    "Evaluator",
    "Expression",
    "ExtendedNLL",
    "Model",
    "constant",
    "parameter",
    "BackendUnavailableError",
    "CommunicationError",
    "ContextError",
    "DataError",
    "Dataset",
    "ExecutionContext",
    "FitError",
    "GpuLadduError",
    "IRError",
    "LikelihoodError",
    "ModelError",
    "ParameterError",
    "__version__",
    "default_context",
    "from_numpy",
]
