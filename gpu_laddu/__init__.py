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
    PiecewiseComplexScalar,
    PiecewiseScalar,
    PolarComplexScalar,
    PolPhase,
    Scalar,
    Ylm,
    Zlm,
)
from gpu_laddu.context import ExecutionContext, default_context
from gpu_laddu.data import (
    BinnedDataset,
    Dataset,
    ParquetStream,
    from_arrow,
    from_dict,
    from_numpy,
    from_pandas,
    from_polars,
    read_amptools,
    read_parquet,
    read_root,
    write_parquet,
)
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
from gpu_laddu.fit import BootstrapResult, FitResult, MCMCResult, bootstrap, fit, mcmc
from gpu_laddu.generate import generate_by_model, generate_kskp, generate_kskp_mc, generate_phase_space
from gpu_laddu.ir.expr import Expression, constant, parameter
from gpu_laddu.likelihood import NLL, Evaluator, ExtendedNLL, Model
from gpu_laddu.likelihood.terms import LikelihoodSum
from gpu_laddu.physics import (
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

__version__ = "0.1.0"

__all__ = [
    "Angles",
    "BackendUnavailableError",
    "BinnedDataset",
    "BootstrapResult",
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
    "FitResult",
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
    "LikelihoodSum",
    "MCMCResult",
    "Mandelstam",
    "Mass",
    "Model",
    "ModelError",
    "NLL",
    "ParameterError",
    "PhaseSpaceFactor",
    "PiecewiseComplexScalar",
    "PiecewiseScalar",
    "Phi",
    "PolAngle",
    "PolMagnitude",
    "PolPhase",
    "PolarComplexScalar",
    "Polarization",
    "Scalar",
    "Variable",
    "Ylm",
    "Zlm",
    "bootstrap",
    "constant",
    "default_context",
    "fit",
    "from_arrow",
    "from_dict",
    "from_numpy",
    "from_pandas",
    "from_polars",
    "generate_by_model",
    "generate_kskp",
    "generate_kskp_mc",
    "generate_phase_space",
    "mcmc",
    "parameter",
    "read_amptools",
    "ParquetStream",
    "read_parquet",
    "read_root",
    "write_parquet",
    "__version__",
]
