"""Which amplitudes are active: the state every evaluator (in memory or streamed) shares.

Names may be amplitude names, tags or glob patterns (``"f0*"``); the per-call graph of each
activation mask is specialised once and kept, so switching back costs nothing.

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> ds = gl.from_numpy(scalars={"x": np.array([1.0])}, ctx=ctx)
>>> ev = gl.Model(gl.Scalar("A", 2.0) + gl.Scalar("B", 3.0)).load(ds)
>>> ev.isolate("A"); ev.evaluate([]).real.tolist()
[2.0]
"""

from __future__ import annotations

from collections.abc import Iterable

from gpu_laddu.ir.nodes import Node
from gpu_laddu.likelihood.params import expand_amplitude_names
from gpu_laddu.passes.standard import specialize_graph


class Activation:
    """Activation methods over ``amplitudes``, ``_active``, ``_graph`` and ``_graphs`` of the subclass."""

    amplitudes: tuple[str, ...]
    _active: frozenset[str]
    _graph: list[Node]
    _graphs: dict[frozenset[str], list[Node]]

    def _names(self, names: str | Iterable[str]) -> frozenset[str]:
        return expand_amplitude_names(names, self.amplitudes)

    @property
    def active(self) -> frozenset[str]:
        """Names of the active amplitudes."""
        return self._active

    def activate(self, names: str | Iterable[str]) -> None:
        """Activate the named amplitudes."""
        self._active = self._active | self._names(names)

    def deactivate(self, names: str | Iterable[str]) -> None:
        """Deactivate the named amplitudes (they evaluate to 0)."""
        self._active = self._active - self._names(names)

    def isolate(self, names: str | Iterable[str]) -> None:
        """Activate only the named amplitudes."""
        self._active = self._names(names)

    def activate_all(self) -> None:
        """Activate every amplitude."""
        self._active = frozenset(self.amplitudes)

    def set_active(self, active: frozenset[str]) -> None:
        """Restore an activation state read from :attr:`active`."""
        self._active = self._names(active)

    def specialized_graph(self) -> list[Node]:
        """Per-call graph (value, then one derivative per free parameter) for the current activation."""
        graph = self._graphs.get(self._active)
        if graph is None:
            graph = self._graphs[self._active] = specialize_graph(self._graph, self._active)
        return graph
