"""Kopf K-matrix amplitudes (f0, f2, a0, a2, ρ, π1), as in laddu 0.28.1.

The amplitude is linear in the complex production couplings β_α: A = Σ_α β_α·b_α(s).
The bases b_α (a row of (Π·I + K̂·C)⁻¹ times the pole terms) are precomputed per event by
batched small-matrix solves at load (one per-event Numba kernel on the numba backend); each
call is a dot product with the couplings.

Examples
--------
>>> import gpu_laddu as gl
>>> c = [(gl.parameter(f"re{i}"), gl.parameter(f"im{i}")) for i in range(2)]
>>> a0 = gl.KopfKMatrixA0("a0", c, 1, gl.Mass(["kshort1", "kshort2"]))
>>> len(a0.parameter_names)
4
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gpu_laddu.amplitudes.base import ParameterLike, VariableColumn, check_name, real_parameter
from gpu_laddu.amplitudes.kmatrix_data import FAMILIES, KMatrixFamily
from gpu_laddu.amplitudes.kmatrix_precompute import kmatrix_basis
from gpu_laddu.errors import ModelError
from gpu_laddu.ir.expr import Expression, amplitude, complex_
from gpu_laddu.ir.nodes import column


@dataclass(frozen=True)
class KMatrixBasisColumn:
    """Basis b_α(s) of one family and channel for pole ``pole`` (complex per event)."""

    family: str
    channel: int
    mass: Any
    pole: int
    dtype = "complex"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("kmatrix", self.family, self.channel, self.mass.key, self.pole)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        group = ("kmatrix", self.family, self.channel, self.mass.key)
        if group not in memo:
            m = VariableColumn(self.mass).compute(dataset, memo)
            shared = memo.setdefault(("kmatrix channel functions", self.mass.key), {})
            memo[group] = kmatrix_basis(FAMILIES[self.family], self.channel, m * m, xp=dataset.ctx.xp,
                                        shared=shared, solver=_solver(dataset.ctx))
        return dataset.ctx.xp.ascontiguousarray(memo[group][:, self.pole])

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4s, scalars = self.mass.required_columns()
        return frozenset(p4s), frozenset(scalars)


def _solver(ctx: Any) -> Any:
    """The per-event Numba kernel on the numba backend; whole-array algebra (numpy, cupy) otherwise."""
    if ctx.backend != "numba":
        return None
    from functools import partial

    from cpu_fallback.kmatrix_kernel import basis_from_channels

    return partial(basis_from_channels, threads=ctx.threads)


def _kmatrix(family: KMatrixFamily, name: str, couplings: Sequence[Sequence[ParameterLike]], channel: int | str,
             mass: Any) -> Expression:
    name = check_name(name)
    index = family.channel_index(channel)
    couplings = list(couplings)
    if len(couplings) != family.n_poles:
        raise ModelError(
            f"{family.name} K-matrix {name!r} needs {family.n_poles} coupling(s) (one (re, im) pair per pole), "
            f"got {len(couplings)}"
        )
    total: Expression | None = None
    for pole, pair in enumerate(couplings):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ModelError(f"{name!r}: coupling {pole} must be a (re, im) pair, got {pair!r}")
        beta = complex_(real_parameter(pair[0], f"{name!r} coupling {pole} re"),
                        real_parameter(pair[1], f"{name!r} coupling {pole} im"))
        term = beta * Expression(column(KMatrixBasisColumn(family.name, index, mass, pole)))
        total = term if total is None else total + term
    assert total is not None
    return amplitude(name, total)


def _factory(key: str) -> Any:
    family = FAMILIES[key]

    def build(name: str, couplings: Sequence[Sequence[ParameterLike]], channel: int | str, mass: Any) -> Expression:
        return _kmatrix(family, name, couplings, channel, mass)

    channels = ", ".join(f"{i}: {c}" for i, c in enumerate(family.channel_names))
    build.__doc__ = (
        f"Kopf {family.name} K-matrix amplitude ({family.n_poles} pole(s); channels {channels}).\n\n"
        f"``couplings``: one (re, im) pair of parameters or numbers per pole; ``channel``: index or name;\n"
        f"``mass``: the resonance-mass variable (s = mass²)."
    )
    build.__name__ = build.__qualname__ = f"KopfKMatrix{family.name.capitalize() if family.name != 'pi1' else 'Pi1'}"
    return build


KopfKMatrixF0 = _factory("f0")
KopfKMatrixF2 = _factory("f2")
KopfKMatrixA0 = _factory("a0")
KopfKMatrixA2 = _factory("a2")
KopfKMatrixRho = _factory("rho")
KopfKMatrixPi1 = _factory("pi1")
