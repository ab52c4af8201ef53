"""An accepted-MC sample that is never kept: a model over a :class:`~gpu_laddu.data.stream.ParquetStream`.

``gl.NLL(model, data, gl.ParquetStream(path))`` (or ``accmc=ParquetStream.spill(dataset)``)
gives the likelihood a :class:`StreamedEvaluator` for its accepted MC.  Each pass over the
sample reads one row group, precomputes its cache columns (an ordinary
:class:`~gpu_laddu.likelihood.evaluator.Evaluator` of that row group), takes what it needs
and drops it, so memory holds one row group's cache at a time:

* the normalisation integrals (:mod:`gpu_laddu.likelihood.integrals`) are accumulated over the
  row groups, once per activation mask (the all-active one at construction);
* when the integrals do not apply, each likelihood call streams the file (event-loop MC term:
  memory independent of the MC size, time that of reading and precomputing it per call);
* projections stream it again (their result has one number per event).

Sums over row groups are added in float64 in row-group order; with row groups that are the
in-memory evaluator's tiles, results equal the in-memory path to rounding (≤ 1e-12 relative).

Examples
--------
>>> import numpy as np, tempfile, os, gpu_laddu as gl
>>> from gpu_laddu.data.stream import ParquetStream
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> data = gl.from_numpy(scalars={"x": np.array([0.5, 1.5])}, ctx=ctx)
>>> mc = gl.from_numpy(scalars={"x": np.array([0.5, 1.0, 1.5])}, ctx=ctx)
>>> a = gl.parameter("a")
>>> model = gl.Model((a * 1.0).norm_sqr())
>>> streamed = gl.NLL(model, data, ParquetStream.spill(mc, row_group_size=2))
>>> bool(np.isclose(streamed.value([2.0]), gl.NLL(model, data, mc).value([2.0]), rtol=1e-12))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gpu_laddu.likelihood.activation import Activation
from gpu_laddu.likelihood.evaluator import Evaluator
from gpu_laddu.passes.standard import build_call_graph

if TYPE_CHECKING:
    from gpu_laddu.data.stream import ParquetStream
    from gpu_laddu.ir.nodes import Node
    from gpu_laddu.likelihood.model import Model


class StreamedEvaluator(Activation):
    """The parts of :class:`Evaluator` a likelihood's accepted-MC term uses, over a stream.

    Parameters
    ----------
    model : Model
    stream : ParquetStream
    gradient : bool
        Whether likelihood calls may ask for gradients.
    """

    def __init__(self, model: Model, stream: ParquetStream, *, gradient: bool = True) -> None:
        self.model = model
        self.stream = stream
        self.ctx = stream.ctx
        self.ctx._check_open()
        self.parameters: tuple[str, ...] = model.parameters
        self.amplitudes: tuple[str, ...] = model.amplitudes
        self.n_events = stream.n_events
        self.has_gradient = gradient
        _, self._graph = build_call_graph(model.expression.node, self.parameters, model.fixed, gradient)
        self._active = frozenset(self.amplitudes)
        self._graphs: dict[frozenset[str], list[Node]] = {}

    # -- passes over the stream -------------------------------------------------------------
    def evaluators(self) -> Iterator[Evaluator]:
        """One evaluator per row group of this rank (callers drop each before asking for the next)."""
        for _, _, ds in self.stream.groups():
            ev = Evaluator(self.model, ds, gradient=self.has_gradient)
            ev.set_active(self._active)
            yield ev
            del ev, ds

    def weighted_tiles(self, keys: Iterable[Any]) -> Iterator[tuple[int, Mapping[Any, Any], Any]]:
        """``(events, columns, weights)`` per tile of each row group (see :meth:`Evaluator.weighted_tiles`)."""
        keys = list(keys)
        for ev in self.evaluators():
            yield from ev.weighted_tiles(keys)
            del ev  # before the next row group is read: one row group's cache at a time

    def validate(self) -> None:
        """One pass over the file: read, check and precompute every row group (errors before any fit)."""
        for _ in self.evaluators():
            pass

    def likelihood_sums(self, values: np.ndarray, log: bool, with_gradient: bool) -> np.ndarray:
        """This rank's event sums (as :meth:`Evaluator.likelihood_sums`), streamed row group by row group."""
        total = np.zeros(len(self.parameters) + 2)
        for ev in self.evaluators():
            total += ev.likelihood_sums(values, log, with_gradient)
            del ev
        return total

    def intensity_terms(self, p: Any, with_gradient: bool) -> list[Any]:
        """Real parts of the value (and derivatives) per event, all row groups in order (one pass)."""
        parts = [[self.ctx.xp.array(t, copy=True) for t in ev.intensity_terms(p, with_gradient)]
                 for ev in self.evaluators()]
        if not parts:
            return [self.ctx.xp.zeros(0)]
        return [self.ctx.xp.concatenate([part[k] for part in parts]) for k in range(len(parts[0]))]

    @property
    def weights(self) -> Any:
        """Event weights of this rank's row groups (read from the file)."""
        arrays = [ds.weights for _, _, ds in self.stream.groups()]
        return self.ctx.xp.concatenate(arrays) if arrays else self.ctx.xp.zeros(0)

    def __repr__(self) -> str:
        return f"StreamedEvaluator({self.stream!r})"


def load_streamed(model: Model, stream: ParquetStream, *, gradient: bool = True) -> Evaluator:
    """A resident evaluator of ``stream``'s events (this rank's row groups), precomputed in bounded
    memory: each row group is read, checked, precomputed, copied into the whole cache and released
    (:meth:`Evaluator.from_parts`), so the raw columns of all events are never held at once.

    >>> import numpy as np, tempfile, os, gpu_laddu as gl
    >>> from gpu_laddu.data.stream import ParquetStream
    >>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    >>> path = os.path.join(tempfile.mkdtemp(), "data.parquet")
    >>> gl.write_parquet(gl.from_numpy(scalars={"x": np.arange(1.0, 6.0)}, ctx=ctx), path, row_group_size=2)
    >>> a = gl.parameter("a")
    >>> ev = load_streamed(gl.Model(gl.Scalar("S", a) * gl.constant(2.0)), ParquetStream(path, ctx=ctx))
    >>> ev.n_events, ev.evaluate([1.5]).real.tolist()
    (5, [3.0, 3.0, 3.0, 3.0, 3.0])
    """
    parts = (Evaluator(model, ds, gradient=gradient) for _, _, ds in stream.groups())
    return Evaluator.from_parts(model, stream.ctx, parts, stream.n_events, gradient=gradient)
