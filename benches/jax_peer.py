"""The expert-JAX peer of the benchmarks: the same likelihood as ``jit(value_and_grad(nll))``.

What a physicist would write in JAX (the TensorWaves / zfit way), given exactly the inputs our
likelihood reads: the per-event cache columns of the data and accepted-MC evaluators (Zlm values,
K-matrix bases, ...), the event weights, and, when the accepted-MC term is summarised by
normalisation integrals, the same integral matrices.  The intensity is the model's specialised
per-call graph written as ``jax.numpy`` operations (one traced function; XLA fuses the
element-wise work), the NLL is laddu's ``2·[N_w·ln S − Σ_data w·ln I]``, and the gradient is
JAX's reverse-mode AD.  Everything is float64 (``jax_enable_x64``); on the CPU, XLA gets the
same number of threads as our backend (:func:`configure`, before JAX is imported).

The set-up time is the tracing + XLA compilation of the two functions (value + gradient, and
value only), measured by their first calls.

Examples
--------
>>> import importlib.util
>>> available() == (importlib.util.find_spec("jax") is not None)
True
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def available() -> bool:
    """Whether JAX is installed."""
    return importlib.util.find_spec("jax") is not None


def configure(threads: int | None = None) -> None:
    """Environment for JAX (call before importing jax): on the CPU ``threads`` threads; on a GPU
    no preallocation of 75% of its memory (gpu_laddu's caches share the device)."""
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if threads is not None:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (f"{flags} --xla_cpu_multi_thread_eigen=true "
                                   f"intra_op_parallelism_threads={int(threads)}").strip()


def _ops(jnp: Any, lax: Any) -> dict[str, Callable[..., Any]]:
    def norm_sqr(a: Any) -> Any:
        return a.real * a.real + a.imag * a.imag if jnp.iscomplexobj(a) else a * a

    def as_complex(a: Any) -> Any:
        return jnp.asarray(a).astype(jnp.complex128)

    return {
        "neg": lambda a: -a,
        "conj": lambda a: jnp.conj(a),
        "real": lambda a: jnp.real(a),
        "imag": lambda a: jnp.imag(a),
        "norm_sqr": norm_sqr,
        "abs": lambda a: jnp.abs(a),
        "sqrt": lambda a: jnp.sqrt(a),
        "exp": lambda a: jnp.exp(a),
        "log": lambda a: jnp.log(a),
        "sin": lambda a: jnp.sin(a),
        "cos": lambda a: jnp.cos(a),
        "cis": lambda a: lax.complex(jnp.cos(a), jnp.sin(a)),
        "to_complex": as_complex,
        "complex": lambda a, b: lax.complex(jnp.asarray(a, jnp.float64), jnp.asarray(b, jnp.float64)),
        "eq": lambda a, b: jnp.where(a == b, 1.0, 0.0),
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
    }


def _evaluator(nodes: list[Any], parameters: tuple[str, ...], jnp: Any, lax: Any
               ) -> Callable[[Any, dict[Any, Any]], list[Any]]:
    """``f(p, columns)``: the values of ``nodes`` as JAX arrays (scalars for uniform nodes)."""
    from gpu_laddu.ir.nodes import topo_order

    ops = _ops(jnp, lax)
    order = topo_order(nodes)
    for node in order:
        if node.op not in ops and node.op not in ("const", "param", "column", "amp"):
            raise NotImplementedError(f"the JAX peer has no rule for IR op {node.op!r}")

    def run(p: Any, columns: dict[Any, Any]) -> list[Any]:
        values: dict[int, Any] = {}
        for node in order:
            if node.op == "const":
                v = node.attrs[0]
            elif node.op == "param":
                v = p[parameters.index(node.attrs[0])]
            elif node.op == "column":
                v = columns[node.attrs[0].key]
            elif node.op == "amp":
                v = values[id(node.inputs[0])]
            else:
                v = ops[node.op](*(values[id(i)] for i in node.inputs))
            values[id(node)] = v
        return [values[id(n)] for n in nodes]

    return run


class JaxNLL:
    """laddu's shape-only NLL of a built :class:`gpu_laddu.NLL`, in JAX over the same cache columns.

    Parameters
    ----------
    nll : gpu_laddu.NLL
        Built on any backend with resident caches (host numpy or cupy arrays); its current
        activation is used.  JAX runs on its default device (a GPU when it sees one).
    """

    def __init__(self, nll: Any) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        from jax import lax

        from gpu_laddu.ir.nodes import iter_ops

        self.device = jax.devices()[0]
        data_ev, mc_ev = nll.data_evaluator, nll.mc_evaluator
        parameters = tuple(nll.parameters)
        value = data_ev.specialized_graph()[0]
        intensity = _evaluator([value], parameters, jnp, lax)
        keys = [n.attrs[0].key for n in iter_ops([value], "column")]

        def put(a: Any) -> Any:  # host numpy, or a cupy array of the cupy backend (copied via the host)
            host = a.get() if hasattr(a, "get") else np.asarray(a)
            return jax.device_put(host.astype(np.float64) if host.dtype.kind == "f" else host, self.device)

        data_cols = {k: put(data_ev.cache[k]) for k in keys}
        data_w = put(data_ev.weights)
        n_w = float(nll.n_data)
        integrals = nll._integrals.current() if nll._integrals is not None else None
        if integrals is None:
            mc_cols = {k: put(mc_ev.cache[k]) for k in keys}
            mc_w = put(mc_ev.weights)

            def mc_sum(p: Any) -> Any:
                return jnp.sum(mc_w * jnp.real(intensity(p, mc_cols)[0]))
        else:
            coefficients = _evaluator(list(integrals.decomposition.uniform_nodes), parameters, jnp, lax)
            lin, vector = np.asarray(integrals._lin), put(integrals.vector)
            terms = [(np.asarray(idx), put(m), s) for idx, m, s in zip(integrals._coh, integrals.matrices,
                                                                        integrals._scale)]

            def mc_sum(p: Any) -> Any:
                c = jnp.stack([jnp.asarray(v, jnp.complex128) for v in coefficients(p, {})])
                total = jnp.real(c[lin] @ vector) if len(lin) else 0.0
                for idx, m, s in terms:
                    q = jnp.real(c[idx] @ (m @ jnp.conj(c[idx])))
                    total = total + (q if s is None else jnp.real(c[s]) * q)
                return total

        def nll_fn(p: Any) -> Any:
            data_term = jnp.sum(data_w * jnp.log(jnp.real(intensity(p, data_cols)[0])))
            return 2.0 * (n_w * jnp.log(mc_sum(p)) - data_term)

        self._vg = jax.jit(jax.value_and_grad(nll_fn))
        self._v = jax.jit(nll_fn)
        self.n_parameters = len(parameters)
        self.setup_s = 0.0

    def compile(self, p: Any) -> float:
        """Trace and compile both functions (their first calls at ``p``); return the seconds taken."""
        start = time.perf_counter()
        self.value_and_gradient(p)
        self.value(p)
        self.setup_s = time.perf_counter() - start
        return self.setup_s

    def value(self, p: Any) -> float:
        """The NLL at ``p`` (parameter order of the gpu_laddu NLL)."""
        return float(self._v(np.asarray(p, dtype=np.float64)).block_until_ready())

    def value_and_gradient(self, p: Any) -> tuple[float, np.ndarray]:
        """The NLL and its gradient (JAX reverse mode)."""
        v, g = self._vg(np.asarray(p, dtype=np.float64))
        g.block_until_ready()
        return float(v), np.asarray(g)
