"""The public expression language, with laddu 0.28.1's names and keyword signatures.

Every primitive lowers into the IR of :mod:`gpu_laddu.ir`: scalar expressions are
:class:`gpu_laddu.ir.expr.Expression` objects, and vectors and matrices are small
fixed-size arrays of them, unrolled in generated code.
"""

from gpu_laddu.language.arrays import ExprArray, dot, matmul, matrix, matvec, solve, vector
from gpu_laddu.language.core import Expr, acos, atan2, cis, complex, cparameter, parameter, polar_complex
from gpu_laddu.language.events import Vec3, Vec4, scalar
from gpu_laddu.language.kmatrix import blatt_weisskopf_barriers, chew_mandelstam, f_vector, k_matrix, p_vector

__all__ = [
    "Expr", "ExprArray", "Vec3", "Vec4", "acos", "atan2", "blatt_weisskopf_barriers", "chew_mandelstam", "cis",
    "complex", "cparameter", "dot", "f_vector", "k_matrix", "matmul", "matrix", "matvec", "p_vector", "parameter",
    "polar_complex", "scalar", "solve", "vector",
]
