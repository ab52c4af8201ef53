"""The public expression language, with laddu 0.28.1's names and keyword signatures.

Every primitive lowers into the IR of :mod:`gpu_laddu.ir`: scalar expressions are
:class:`gpu_laddu.ir.expr.Expression` objects, and vectors and matrices are small
fixed-size arrays of them, unrolled in generated code.
"""

from gpu_laddu.language.angular import WignerD, clebsch_gordan, spherical_harmonic
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
    "J",
    "L",
    "M",
    "S",
    "Sheet",
    "WignerD",
    "blatt_weisskopf",
    "blatt_weisskopf_custom",
    "breit_wigner",
    "clebsch_gordan",
    "q",
    "relativistic_breit_wigner",
    "relativistic_breit_wigner_custom",
    "rho",
    "spherical_harmonic",
]
