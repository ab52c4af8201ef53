"""The public expression language, with laddu 0.28.1's names and keyword signatures.

Every primitive lowers into the IR of :mod:`gpu_laddu.ir`: scalar expressions are
:class:`gpu_laddu.ir.expr.Expression` objects, and vectors and matrices are small
fixed-size arrays of them, unrolled in generated code.
"""

from gpu_laddu.language.angular import WignerD, clebsch_gordan, spherical_harmonic
from gpu_laddu.language.arrays import ExprArray, dot, matmul, matrix, matvec, solve, vector
from gpu_laddu.language.core import Expr, acos, atan2, cis, complex, cparameter, parameter, polar_complex
from gpu_laddu.language.events import Vec3, Vec4, scalar
from gpu_laddu.language.kmatrix import blatt_weisskopf_barriers, chew_mandelstam, f_vector, k_matrix, p_vector
from gpu_laddu.language.lineshapes import (
    BarrierKind,
    Sheet,
    blatt_weisskopf,
    blatt_weisskopf_custom,
    breit_wigner,
    q,
    relativistic_breit_wigner,
    relativistic_breit_wigner_custom,
    rho,
)
from gpu_laddu.language.quantum import J, L, M, S

__all__ = [
    "BarrierKind",
    "Expr",
    "ExprArray",
    "J",
    "L",
    "M",
    "S",
    "Sheet",
    "Vec3",
    "Vec4",
    "WignerD",
    "acos",
    "atan2",
    "blatt_weisskopf",
    "blatt_weisskopf_barriers",
    "blatt_weisskopf_custom",
    "breit_wigner",
    "chew_mandelstam",
    "cis",
    "clebsch_gordan",
    "complex",
    "cparameter",
    "dot",
    "f_vector",
    "k_matrix",
    "matmul",
    "matrix",
    "matvec",
    "p_vector",
    "parameter",
    "polar_complex",
    "q",
    "relativistic_breit_wigner",
    "relativistic_breit_wigner_custom",
    "rho",
    "scalar",
    "solve",
    "spherical_harmonic",
    "vector",
]
