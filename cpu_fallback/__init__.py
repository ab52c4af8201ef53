"""CPU backends of gpu_laddu: the NumPy reference interpreter and Numba fused kernels.

Imported lazily by :mod:`gpu_laddu.backends.registry`; only this package imports numba.
"""
