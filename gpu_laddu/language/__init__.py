"""The public expression language, with laddu 0.28.1's names and keyword signatures.

Every primitive lowers into the IR of :mod:`gpu_laddu.ir`: scalar expressions are
:class:`gpu_laddu.ir.expr.Expression` objects, and vectors and matrices are small
fixed-size arrays of them, unrolled in generated code.
"""
