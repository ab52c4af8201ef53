"""Normalisation integrals: the accepted-MC term of a likelihood in O(n_amplitudes²) per call.

When the intensity has the form recognised by :func:`gpu_laddu.passes.normalize.decompose_intensity`
(Σ_k Re(s_k)·E_k·|Σ_a c_a·B_a|² + Re Σ_b d_b·D_b, coefficients uniform, bases per event),
Σ_acc w·I is a Hermitian form in the coefficients.  The matrices
M_k[a, a'] = Σ_acc w·E_k·B_a·B̄_a' and vectors m_b = Σ_acc w·D_b are computed once per MC
sample and activation mask (on the device, in float64, reduced over MPI ranks); each call
then evaluates only the coefficients and their analytic derivatives as host scalars:

    S = Σ_k Re(s_k)·q_k + Re(d·m),   q_k = Re(cᵀ M_k c̄),   ∂q_k = 2·Re(∂cᵀ M_k c̄).

Examples
--------
>>> import numpy as np, gpu_laddu as gl
>>> ctx = gl.ExecutionContext(device="cpu", backend="numpy")
>>> mc = gl.from_numpy(scalars={"x": np.array([1.0, 2.0, 3.0])}, ctx=ctx)
>>> a = gl.parameter("a")
>>> ev = gl.Model(gl.Scalar("S", a).norm_sqr()).load(mc)
>>> NormalizationIntegrals(ev).current().sums(np.array([2.0]), True).tolist()  # Σ_acc a², Σ_acc 2a
[12.0, 12.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from cpu_fallback.interpreter import Program
from gpu_laddu.codegen.python import scalar_function
from gpu_laddu.ir.grad import derivative
from gpu_laddu.ir.nodes import Node, iter_ops
from gpu_laddu.passes.fold import fold
from gpu_laddu.passes.normalize import Decomposition, decompose_intensity

if TYPE_CHECKING:
    from gpu_laddu.likelihood.evaluator import Evaluator
    from gpu_laddu.likelihood.streamed import StreamedEvaluator

CHUNK = 1 << 16
MAX_INTEGRAL_ENTRIES = 1 << 22
"""Largest number of complex matrix entries (64 MiB) kept for integrals; above it the MC term is summed
over events (a coherent sum of n amplitudes needs n² entries: 10,000 amplitudes would need 1.6 GB)."""


def integral_size(decomposition: Decomposition) -> int:
    """Complex entries of the integral matrices and vector of ``decomposition``."""
    return sum(len(t.coefficients) ** 2 for t in decomposition.coherent) + len(decomposition.linear_bases)


class Integrals:
    """The precomputed integrals of one decomposition on one (rank-distributed) MC sample."""

    def __init__(self, decomposition: Decomposition, ev: Evaluator | StreamedEvaluator) -> None:
        self.decomposition = decomposition
        self.ctx = ev.ctx
        self.parameters = ev.parameters
        nodes = decomposition.uniform_nodes
        slot = {id(n): k for k, n in enumerate(nodes)}
        self._lin = np.array([slot[id(c)] for c in decomposition.linear_coefficients], dtype=np.intp)
        self._coh = [np.array([slot[id(c)] for c in t.coefficients], dtype=np.intp) for t in decomposition.coherent]
        self._scale = [None if t.scale is None else slot[id(t.scale)] for t in decomposition.coherent]
        self._values = scalar_function(nodes, self.parameters)
        self._template = np.zeros((len(self.parameters), len(nodes)), dtype=np.complex128)
        where: list[tuple[int, int]] = []
        dnodes: list[Node] = []
        for j, name in enumerate(self.parameters):
            for k, d in enumerate(fold([derivative(n, name) for n in nodes])):
                if d.op == "const":
                    self._template[j, k] = d.value
                else:
                    where.append((j, k))
                    dnodes.append(d)
        self._where = tuple(np.array(ix, dtype=np.intp) for ix in zip(*where)) if where else None
        self._gradient = scalar_function([*nodes, *dnodes], self.parameters)
        self.matrices, self.vector = self._integrate(ev)

    def _integrate(self, ev: Evaluator | StreamedEvaluator) -> tuple[list[np.ndarray], np.ndarray]:
        """Σ_acc w·E·B·B̄ᵀ per coherent term and Σ_acc w·D, summed over ranks.

        The per-event bases are evaluated tile by tile of the evaluator's cache (one tile when
        it is resident and the context has no memory budget), so that a streamed MC sample
        never has to be on the device whole; for a
        :class:`~gpu_laddu.likelihood.streamed.StreamedEvaluator`, row group by row group of its file.
        """
        xp, dec = self.ctx.xp, self.decomposition
        events = dec.event_nodes
        program = Program(events, self.ctx, dtypes=(np.float64, np.complex128))
        keys = [node.attrs[0].key for node in iter_ops(events, "column")]
        sizes = [len(t.coefficients) for t in dec.coherent]

        def stack(arrays: dict[int, Any], bases: tuple[Node | None, ...], lo: int, hi: int) -> Any:
            rows = xp.ones((len(bases), hi - lo), dtype=np.complex128)
            for r, b in enumerate(bases):
                if b is not None:
                    rows[r] = arrays[id(b)][lo:hi]
            return rows

        with self.ctx.device_scope():
            acc = [xp.zeros((k, k), dtype=np.complex128) for k in sizes]
            vec = xp.zeros(len(dec.linear_bases), dtype=np.complex128)
            for n_tile, columns, tile_weights in ev.weighted_tiles(keys):
                arrays = dict(zip((id(e) for e in events), program.run(columns, {}, n_tile)))
                weights = xp.asarray(tile_weights, dtype=np.float64)
                for lo in range(0, n_tile, CHUNK):
                    hi = min(lo + CHUNK, n_tile)
                    w = weights[lo:hi]
                    for k, t in enumerate(dec.coherent):
                        b = stack(arrays, t.bases, lo, hi)
                        ww = w if t.weight is None else w * arrays[id(t.weight)][lo:hi]
                        acc[k] += (b * ww[None, :]) @ b.conj().T
                    if len(dec.linear_bases):
                        vec += stack(arrays, dec.linear_bases, lo, hi) @ w.astype(np.complex128)
                del arrays, columns, weights, tile_weights  # a streamed row group is dropped before the next
        parts = [self.ctx.to_numpy(a).ravel() for a in (*acc, vec)]
        flat = np.concatenate([np.concatenate([p.real, p.imag]) for p in parts]) if parts else np.zeros(0)
        total = self.ctx.comm.allreduce_sum(flat)
        out, pos = [], 0
        for size in [*(k * k for k in sizes), len(dec.linear_bases)]:
            out.append(total[pos:pos + size] + 1j * total[pos + size:pos + 2 * size])
            pos += 2 * size
        matrices = [m.reshape(k, k) for m, k in zip(out[:-1], sizes)]
        self.ctx.scratch.clear()  # buffers of derived bases: not needed after the integration
        return [0.5 * (m + m.conj().T) for m in matrices], out[-1]

    def sums(self, values: np.ndarray, with_gradient: bool) -> np.ndarray:
        """Global ``[Σ_acc w·I, Σ_acc w·∂I/∂p_k ...]`` (derivatives 0 unless ``with_gradient``)."""
        with np.errstate(all="ignore"):  # NaN/inf coefficients: the likelihood raises on the non-finite sums
            return self._sums(values, with_gradient)

    def _sums(self, values: np.ndarray, with_gradient: bool) -> np.ndarray:
        n_nodes = self._template.shape[1]
        raw = (self._gradient if with_gradient else self._values)(values.tolist())
        c = np.array(raw[:n_nodes], dtype=np.complex128)
        dc = self._template.copy()
        if with_gradient and self._where is not None:
            dc[self._where] = np.array(raw[n_nodes:], dtype=np.complex128)
        total = float(np.real(c[self._lin] @ self.vector)) if len(self._lin) else 0.0
        grad = np.real(dc[:, self._lin] @ self.vector) if len(self._lin) else np.zeros(len(self.parameters))
        for idx, m, s in zip(self._coh, self.matrices, self._scale):
            v = m @ c[idx].conj()
            q = float(np.real(c[idx] @ v))
            dq = 2.0 * np.real(dc[:, idx] @ v)
            if s is None:
                total += q
                grad = grad + dq
            else:
                total += float(c[s].real) * q
                grad = grad + dc[:, s].real * q + float(c[s].real) * dq
        return np.concatenate([[total], grad if with_gradient else np.zeros(len(self.parameters))])


class NormalizationIntegrals:
    """Integrals of an MC evaluator's intensity, per activation mask (``None`` where they don't apply)."""

    def __init__(self, ev: Evaluator | StreamedEvaluator) -> None:
        self.ev = ev
        self._by_graph: dict[Node, Integrals | None] = {}

    def current(self) -> Integrals | None:
        """The integrals for the evaluator's current activation (computed at first use)."""
        value = key = self.ev.specialized_graph()[0]  # one per activation mask; nodes are interned
        if key not in self._by_graph:
            from gpu_laddu.profiling import annotate

            decomposition = decompose_intensity(value)
            if decomposition is not None and integral_size(decomposition) > MAX_INTEGRAL_ENTRIES:
                decomposition = None  # thousands of amplitudes in one coherent sum: the event loop is cheaper
            with annotate("precompute"):
                self._by_graph[key] = None if decomposition is None else Integrals(decomposition, self.ev)
        return self._by_graph[key]
