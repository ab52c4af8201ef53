"""gpu_laddu: GPU-first amplitude analysis (unbinned maximum-likelihood fits of coherent
sums of amplitudes), with NumPy/Numba CPU fallbacks and MPI/NCCL for clusters.

Importing this package loads no cupy, cudf, numba or mpi4py.

Examples
--------
>>> import gpu_laddu as gl
>>> gl.ExecutionContext(device="cpu", backend="numpy").backend
'numpy'
"""

from gpu_laddu.amplitudes import (
    BreitWigner,
    ComplexScalar,
    Flatte,
    KopfKMatrixA0,
    KopfKMatrixA2,
    KopfKMatrixF0,
    KopfKMatrixF2,
    KopfKMatrixPi1,
    KopfKMatrixRho,
    PhaseSpaceFactor,
    PolarComplexScalar,
    PolPhase,
    Scalar,
    Ylm,
    Zlm,
)
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
from gpu_laddu.ir.expr import Expression, constant, parameter
from gpu_laddu.likelihood import NLL, Evaluator, ExtendedNLL, Model
from gpu_laddu.physics import Angles, CosTheta, Mandelstam, Mass, Phi, PolAngle, Polarization, PolMagnitude

__version__ = "0.1.0"

__all__ = [
    "Angles",
    "BackendUnavailableError",
    "BreitWigner",
    "CommunicationError",
    "ComplexScalar",
    "ContextError",
    "CosTheta",
    "DataError",
    "Dataset",
    "Evaluator",
    "ExecutionContext",
    "Expression",
    "ExtendedNLL",
    "FitError",
    "Flatte",
    "GpuLadduError",
    "IRError",
    "KopfKMatrixA0",
    "KopfKMatrixA2",
    "KopfKMatrixF0",
    "KopfKMatrixF2",
    "KopfKMatrixPi1",
    "KopfKMatrixRho",
    "LikelihoodError",
    "Mandelstam",
    "Mass",
    "Model",
    "ModelError",
    "NLL",
    "ParameterError",
    "PhaseSpaceFactor",
    "Phi",
    "PolAngle",
    "PolMagnitude",
    "PolPhase",
    "PolarComplexScalar",
    "Polarization",
    "Scalar",
    "Ylm",
    "Zlm",
    "constant",
    "default_context",
    "from_numpy",
    "parameter",
    "__version__",
]
