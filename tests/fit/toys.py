"""Toy likelihoods with known answers for the fitting tests.

* ``linear_toy``: intensity |a + b·x|² on x ∈ [0, 1], events by accept/reject, ExtendedNLL with
  a midpoint-rule "accepted MC" (weights 1/M, so Σ w·I = ∫ I dx = the expected yield).
* ``Chi2``: F = (p − μ)ᵀ C⁻¹ (p − μ), a Gaussian whose covariance C is the exact answer.
* ``DoubleWell``: F = 10·(x² − 1)² + x, a local minimum near +1 and the global one near −1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import gpu_laddu as gl
from gpu_laddu.errors import LikelihoodError
from gpu_laddu.ir.expr import ParameterSpec
from tests.helpers import col

TRUTH = {"a": 40.0, "b": 30.0}  # expected yield a² + a·b + b²/3 = 3100
N_GRID = 2000


class Adapted:
    """gl.NLL / gl.ExtendedNLL plus ``parameter_specs()`` (which the lead adds to NLL itself)."""

    def __init__(self, nll: Any) -> None:
        self.nll = nll
        self.parameters = nll.parameters
        self.ctx = nll.ctx

    def value(self, p: Any) -> float:
        return self.nll.value(p)

    def value_and_gradient(self, p: Any) -> tuple[float, np.ndarray]:
        return self.nll.value_and_gradient(p)

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        return {n: self.nll.model.parameter_spec(n) for n in self.parameters}


def linear_intensity(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return (a + b * x) ** 2


def generate_linear(rng: np.random.Generator, a: float = TRUTH["a"], b: float = TRUTH["b"]) -> np.ndarray:
    """A Poisson number of events distributed as |a + b·x|² on [0, 1] (accept/reject)."""
    n = rng.poisson(a * a + a * b + b * b / 3)
    i_max = max(linear_intensity(np.array([0.0, 1.0]), a, b))
    out: list[np.ndarray] = []
    while sum(len(o) for o in out) < n:
        x = rng.uniform(0.0, 1.0, 2 * n + 100)
        out.append(x[rng.uniform(0.0, i_max, x.size) < linear_intensity(x, a, b)])
    return np.concatenate(out)[:n]


def linear_model() -> gl.Model:
    a = gl.parameter("a", initial=30.0, bounds=(0.0, None))
    b = gl.parameter("b", initial=20.0)
    return gl.Model((gl.Scalar("A", a) + gl.Scalar("B", b) * col("x")).norm_sqr())


def linear_toy(ctx: Any, x: np.ndarray, weights: np.ndarray | None = None) -> Adapted:
    """ExtendedNLL of the linear model on events ``x`` (optionally weighted)."""
    grid = (np.arange(N_GRID) + 0.5) / N_GRID
    data = gl.from_numpy(scalars={"x": x}, weights=weights, ctx=ctx)
    mc = gl.from_numpy(scalars={"x": grid}, weights=np.full(N_GRID, 1.0 / N_GRID), ctx=ctx)
    return Adapted(gl.ExtendedNLL(linear_model(), data, mc))


@dataclass
class _Ctx:
    rank: int = 0
    comm: Any = None


class Chi2:
    """F = (p − μ)ᵀ C⁻¹ (p − μ): the covariance of the estimate is exactly C."""

    def __init__(self, mu: np.ndarray, cov: np.ndarray, specs: dict[str, ParameterSpec] | None = None,
                 rank: int = 0) -> None:
        self.mu, self.inv = np.asarray(mu, float), np.linalg.inv(cov)
        self.parameters = tuple(f"p{i}" for i in range(len(mu)))
        self.specs = specs if specs is not None else {n: ParameterSpec(n, 0.0) for n in self.parameters}
        self.ctx = _Ctx(rank)
        self.points: list[np.ndarray] = []
        self.value_calls = 0

    def value(self, p: Any) -> float:
        self.value_calls += 1
        r = np.asarray(p, float) - self.mu
        return float(r @ self.inv @ r)

    def value_and_gradient(self, p: Any) -> tuple[float, np.ndarray]:
        self.points.append(np.array(p, dtype=float))
        r = np.asarray(p, float) - self.mu
        return float(r @ self.inv @ r), 2.0 * self.inv @ r

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        return self.specs


class DoubleWell:
    """F = 10·(x² − 1)² + x on [−2, 2]: local minimum near +1, global minimum near −1."""

    parameters = ("x",)
    ctx = _Ctx()

    def value(self, p: Any) -> float:
        return self.value_and_gradient(p)[0]

    def value_and_gradient(self, p: Any) -> tuple[float, np.ndarray]:
        x = float(np.asarray(p, float)[0])
        return 10.0 * (x * x - 1.0) ** 2 + x, np.array([40.0 * x * (x * x - 1.0) + 1.0])

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        return {"x": ParameterSpec("x", 1.2, (-2.0, 2.0))}


class Broken:
    """A likelihood that cannot be evaluated anywhere (as for an intensity <= 0)."""

    parameters = ("x",)
    ctx = _Ctx()

    def value(self, p: Any) -> float:
        raise LikelihoodError("the intensity is <= 0 or non-finite at 7 data event(s)")

    def value_and_gradient(self, p: Any) -> tuple[float, np.ndarray]:
        return self.value(p), np.zeros(1)

    def parameter_specs(self) -> dict[str, ParameterSpec]:
        return {"x": ParameterSpec("x", 1.0)}
