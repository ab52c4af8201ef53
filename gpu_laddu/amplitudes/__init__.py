"""Amplitudes: the physics building blocks of a model and their vectorised numerical core."""

from gpu_laddu.amplitudes.angular import PolPhase, Ylm, Zlm
from gpu_laddu.amplitudes.base import ComplexScalar, PolarComplexScalar, Scalar
from gpu_laddu.amplitudes.kmatrix import (
    KopfKMatrixA0,
    KopfKMatrixA2,
    KopfKMatrixF0,
    KopfKMatrixF2,
    KopfKMatrixPi1,
    KopfKMatrixRho,
)
from gpu_laddu.amplitudes.lineshapes import BreitWigner, Flatte, PhaseSpaceFactor
from gpu_laddu.amplitudes.piecewise import PiecewiseComplexScalar, PiecewiseScalar

__all__ = [
    "BreitWigner",
    "ComplexScalar",
    "Flatte",
    "KopfKMatrixA0",
    "KopfKMatrixA2",
    "KopfKMatrixF0",
    "KopfKMatrixF2",
    "KopfKMatrixPi1",
    "KopfKMatrixRho",
    "PhaseSpaceFactor",
    "PiecewiseComplexScalar",
    "PiecewiseScalar",
    "PolPhase",
    "PolarComplexScalar",
    "Scalar",
    "Ylm",
    "Zlm",
]
