"""``fit``, ``mcmc`` and ``bootstrap`` as methods of every likelihood (terms and sums).

The work is done by :mod:`gpu_laddu.fit` (imported when a method is called, so the
likelihood layer does not depend on the optimisers at import time).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.ones(4)}, ctx=ctx)
>>> a = gl.parameter("a", initial=1.0)
>>> nll = gl.ExtendedNLL(gl.Model((a * 1.0).norm_sqr()), ds, ds)   # minimum at a² = 1
>>> round(abs(nll.fit(progress=False).values["a"]), 4)
1.0
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from gpu_laddu.fit import BootstrapResult, FitResult, LikelihoodLike, MCMCResult
    from gpu_laddu.fit.scan import Profile

Initial = Sequence[float] | Mapping[str, float] | np.ndarray | None


class FitMethods(ABC):
    """Mixin: fitting, sampling and bootstrapping for an object with ``value_and_gradient``."""

    @abstractmethod
    def bootstrap_replica(self, seed: int) -> Any:
        """The same likelihood on a Poisson-bootstrap replica of its data."""

    def fit(self, initial: Initial = None, method: str = "migrad", **kwargs: Any) -> FitResult:
        """Minimise (see :func:`gpu_laddu.fit.fit` for ``max_calls``, ``tol``, ``n_restarts``, ``seed``, ...)."""
        from gpu_laddu.fit import fit

        return fit(cast("LikelihoodLike", self), initial, method, **kwargs)

    def profile(self, name: str, *, size: int = 30, bound: float | tuple[float, float] = 2.0,
                result: FitResult | None = None, initial: Initial = None) -> Profile:
        """Profile likelihood of ``name`` (see :func:`gpu_laddu.fit.scan.profile`)."""
        from gpu_laddu.fit.scan import profile

        return profile(self, name, size=size, bound=bound, result=result, initial=initial)

    def contour(self, a: str, b: str, *, cl: float | None = None, size: int = 50,
                result: FitResult | None = None, initial: Initial = None) -> np.ndarray:
        """MINOS contour of ``a`` and ``b`` (see :func:`gpu_laddu.fit.scan.contour`)."""
        from gpu_laddu.fit.scan import contour

        return contour(self, a, b, cl=cl, size=size, result=result, initial=initial)

    def mcmc(self, n_walkers: int, n_steps: int, method: str = "aies", **kwargs: Any) -> MCMCResult:
        """Sample the posterior exp(−value/2) with emcee (``"aies"``) or zeus (``"ess"``)."""
        from gpu_laddu.fit import mcmc

        return mcmc(cast("LikelihoodLike", self), n_walkers, n_steps, method, **kwargs)

    def bootstrap(self, n: int, seed: int = 0, initial: Initial = None, method: str = "migrad", **kwargs: Any
                  ) -> BootstrapResult:
        """Refit ``n`` Poisson-bootstrap replicas of the data (MC and precomputed caches are reused).

        ``initial`` defaults to a nominal fit's values.
        """
        from gpu_laddu.fit import bootstrap

        if initial is None:
            initial = self.fit(method=method, progress=False).x
        return bootstrap(self.bootstrap_replica, n, seed, initial, method=method, **kwargs)
