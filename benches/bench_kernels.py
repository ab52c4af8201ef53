"""Benchmark of the per-call likelihood engines on a K-matrix-shaped synthetic model.

Usage::

    python benches/bench_kernels.py [--events N] [--quick] [--json PATH]

Two workloads, ``--events N`` data events and 2N accepted-MC events each (default 100k / 200k):

* ``synthetic``: the shape of the K-matrix benchmark with random bases: the intensity is a sum
  of four coherent terms |Σ_a c_a·B_a|² over 13, 13, 7 and 7 parameter-free complex bases per
  event (random complex cache columns), with 17 complex couplings (34 real parameters);
* ``kmatrix``: laddu's K-matrix benchmark model (:func:`gpu_laddu.canonical.kmatrix_benchmark_model`,
  Kopf K-matrices × Zlm, 34 parameters) on generated γp → K_S K_S p phase-space events.

Reported:

Times are the fastest of repeated calls (other processes on a shared machine only add time).

* per-call NLL value + gradient with the NumPy interpreter and the fused Numba kernel (both
  running the accepted-MC event loop, ``normalization="events"``), and their ratio;
* Numba first-call compile time (fresh disk cache), repeated-load time in the same process
  (memory cache hit) and in a new process (disk cache hit);
* with normalisation integrals: time per call with 1x and 10x the accepted MC;
* the physical floor: cache bytes read per call / measured memory-copy bandwidth.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gpu_laddu as gl  # noqa: E402
from benches.common import best_of, copy_bandwidth  # noqa: E402
from gpu_laddu.ir.expr import Expression  # noqa: E402
from gpu_laddu.ir.nodes import column  # noqa: E402

SIZES = (13, 13, 7, 7)
N_COUPLINGS = 17


@dataclass(frozen=True)
class RandomComplexColumn:
    """A parameter-free complex basis per event: seeded random numbers (stands for K-matrix × Zlm)."""

    index: int

    @property
    def key(self) -> tuple[str, int]:
        return ("bench-random-basis", self.index)

    dtype = "complex"

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        rng = np.random.default_rng([self.index, dataset.n_events])
        values = rng.normal(size=dataset.n_events) + 1j * rng.normal(size=dataset.n_events)
        return dataset.ctx.xp.asarray(values)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(), frozenset()


def synthetic_model() -> tuple[gl.Model, np.ndarray]:
    """The synthetic model and a parameter point."""
    couplings = [gl.ComplexScalar(f"c{j}", gl.parameter(f"re{j}"), gl.parameter(f"im{j}")) for j in range(N_COUPLINGS)]
    start = (0, 0, 10, 10)
    total: Expression | None = None
    basis = 0
    for size, first in zip(SIZES, start):
        amp = None
        for a in range(size):
            term = couplings[first + a] * Expression(column(RandomComplexColumn(basis)))
            basis += 1
            amp = term if amp is None else amp + term
        assert amp is not None
        total = amp.norm_sqr() if total is None else total + amp.norm_sqr()
    assert total is not None
    model = gl.Model(total)
    p = np.random.default_rng(3).uniform(0.2, 1.0, len(model.parameters))
    return model, p


def synthetic_datasets(ctx: gl.ExecutionContext, n_data: int, n_mc: int) -> tuple[gl.Dataset, gl.Dataset]:
    """Data and MC with unit-interval weights (the bases are generated at load)."""
    rng = np.random.default_rng(11)
    data = gl.from_numpy(scalars={"u": rng.uniform(size=n_data)}, weights=rng.uniform(0.5, 1.5, n_data), ctx=ctx)
    mc = gl.from_numpy(scalars={"u": rng.uniform(size=n_mc)}, weights=rng.uniform(0.5, 1.5, n_mc), ctx=ctx)
    return data, mc


def kmatrix_model() -> tuple[gl.Model, np.ndarray]:
    """laddu's K-matrix benchmark model and its displaced starting point."""
    from gpu_laddu.canonical import kmatrix_benchmark_model

    cm = kmatrix_benchmark_model()
    return cm.model, np.array([cm.start[n] for n in cm.model.parameters])


def kmatrix_datasets(ctx: gl.ExecutionContext, n_data: int, n_mc: int) -> tuple[gl.Dataset, gl.Dataset]:
    """γp → K_S K_S p phase-space events (data and accepted MC from independent streams)."""
    from gpu_laddu.generate import generate_kskp, generate_kskp_mc

    return (generate_kskp(n_data, seed=1, pol_angle=0.7, ctx=ctx),
            generate_kskp_mc(n_mc, seed=2, pol_angle=0.7, ctx=ctx))


WORKLOADS: dict[str, tuple[Callable[[], tuple[gl.Model, np.ndarray]],
                           Callable[[gl.ExecutionContext, int, int], tuple[gl.Dataset, gl.Dataset]]]] = {
    "synthetic": (synthetic_model, synthetic_datasets),
    "kmatrix": (kmatrix_model, kmatrix_datasets),
}


SUBPROCESS = """
import sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
import gpu_laddu as gl
from bench_kernels import WORKLOADS
from cpu_fallback.numba_engine import kernel_stats
build, datasets = WORKLOADS[{workload!r}]
ctx = gl.ExecutionContext(device="cpu", backend="numba", threads={threads})
data, mc = datasets(ctx, {n_data}, {n_mc})
model, p = build()
nll = gl.NLL(model, data, mc, normalization="events")
t1 = time.perf_counter()
nll.value_and_gradient(p)
t2 = time.perf_counter()
print(t2 - t1, kernel_stats()["loaded_from_disk"])
"""


def run(workload: str, n_data: int, quick: bool) -> dict[str, Any]:
    """All measurements of one workload."""
    build, datasets = WORKLOADS[workload]
    n_mc = 2 * n_data
    threads = os.cpu_count() or 1
    cache_dir = tempfile.mkdtemp(prefix="gpu_laddu_bench_")
    os.environ["GPU_LADDU_CACHE_DIR"] = cache_dir
    model, p = build()
    out: dict[str, Any] = {"workload": workload, "n_data": n_data, "n_mc": n_mc, "threads": threads,
                           "parameters": len(model.parameters)}

    ctx_np = gl.ExecutionContext(device="cpu", backend="numpy", threads=threads)
    data, mc = datasets(ctx_np, n_data, n_mc)
    nll_np = gl.NLL(model, data, mc, normalization="events")
    (out["numpy_s"],) = best_of(lambda: nll_np.value_and_gradient(p), min_calls=5)
    reference = nll_np.value_and_gradient(p)

    ctx_nb = gl.ExecutionContext(device="cpu", backend="numba", threads=threads)
    data_nb, mc_nb = datasets(ctx_nb, n_data, n_mc)
    nll_nb = gl.NLL(model, data_nb, mc_nb, normalization="events")
    t = time.perf_counter()
    nll_nb.value_and_gradient(p)
    first = time.perf_counter() - t
    (out["numba_s"],) = best_of(lambda: nll_nb.value_and_gradient(p), min_calls=5)
    out["numba_first_call_s"] = first
    out["numba_compile_s"] = first - out["numba_s"]
    value, grad = nll_nb.value_and_gradient(p)
    out["numba_vs_numpy_rel_diff"] = max(abs(value - reference[0]) / abs(reference[0]),
                                         float(np.max(np.abs(grad - reference[1])) / np.max(np.abs(reference[1]))))
    out["speedup"] = out["numpy_s"] / out["numba_s"]

    t = time.perf_counter()
    again = gl.NLL(model, data_nb, mc_nb, normalization="events")
    t_load = time.perf_counter()
    again.value_and_gradient(p)
    out["repeated_load_s"] = t_load - t
    out["repeated_load_first_call_s"] = time.perf_counter() - t_load

    if not quick:
        code = SUBPROCESS.format(root=str(ROOT), bench=str(Path(__file__).parent), threads=threads,
                                 n_data=n_data, n_mc=n_mc, workload=workload)
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=900,
                             env={**os.environ, "GPU_LADDU_CACHE_DIR": cache_dir})
        first_call, loaded = res.stdout.split()
        out["new_process_first_call_s"] = float(first_call)
        out["new_process_loaded_from_disk"] = int(loaded)

    integrals = gl.NLL(model, data_nb, mc_nb)
    assert integrals.mc_method == "integrals"
    data10, mc10 = datasets(ctx_nb, n_data, 10 * n_mc)
    integrals10 = gl.NLL(model, data10, mc10)
    t = time.perf_counter()
    integrals10.value_and_gradient(p)  # the first call computes the integrals
    out["integrals_10x_first_call_s"] = time.perf_counter() - t
    out["integrals_1x_s"], out["integrals_10x_s"] = best_of(lambda: integrals.value_and_gradient(p),
                                                            lambda: integrals10.value_and_gradient(p), min_time=2.0,
                                                            min_calls=5)
    out["integrals_ratio_10x_over_1x"] = out["integrals_10x_s"] / out["integrals_1x_s"]

    bandwidth = copy_bandwidth()
    data_bytes = nll_nb.data_evaluator.cache_nbytes + n_data * 8  # cache columns + weights
    mc_bytes = nll_nb.mc_evaluator.cache_nbytes + n_mc * 8
    out["copy_bandwidth_GBps"] = bandwidth / 1e9
    out["cache_bytes_per_event"] = nll_nb.data_evaluator.cache_nbytes / n_data
    out["bytes_per_call_events"] = data_bytes + mc_bytes
    out["floor_events_s"] = (data_bytes + mc_bytes) / bandwidth
    out["bytes_per_call_integrals"] = data_bytes
    out["floor_integrals_s"] = data_bytes / bandwidth
    return out


def report(r: dict[str, Any]) -> str:
    ms = 1e3
    lines = [
        f"### {r['workload']}: {r['parameters']} parameters, {r['cache_bytes_per_event']:.0f} cache bytes per event; "
        f"{r['n_data']} data + {r['n_mc']} MC events; {r['threads']} threads",
        "",
        "| measurement | value |",
        "|---|---|",
        f"| NLL value+gradient, NumPy interpreter (MC event loop) | {r['numpy_s'] * ms:.1f} ms |",
        f"| NLL value+gradient, Numba fused kernel (MC event loop) | {r['numba_s'] * ms:.2f} ms |",
        f"| speed-up Numba / NumPy | {r['speedup']:.1f}x |",
        f"| max relative difference Numba vs NumPy | {r['numba_vs_numpy_rel_diff']:.1e} |",
        f"| physical floor (event loop): {r['bytes_per_call_events'] / 1e6:.0f} MB / "
        f"{r['copy_bandwidth_GBps']:.1f} GB/s | {r['floor_events_s'] * ms:.2f} ms |",
        f"| Numba first call (compile) | {r['numba_first_call_s']:.2f} s |",
        f"| repeated load, same process: load (column precompute) + first call (no compile) | "
        f"{r['repeated_load_s'] * ms:.0f} ms + {r['repeated_load_first_call_s'] * ms:.1f} ms |",
    ]
    if "new_process_first_call_s" in r:
        lines.append(f"| new process, disk cache: first call ({r['new_process_loaded_from_disk']} kernel loaded) | "
                     f"{r['new_process_first_call_s']:.2f} s |")
    lines += [
        f"| normalisation integrals, 1x MC: per call | {r['integrals_1x_s'] * ms:.2f} ms |",
        f"| normalisation integrals, 10x MC: per call | {r['integrals_10x_s'] * ms:.2f} ms |",
        f"| ratio 10x / 1x | {r['integrals_ratio_10x_over_1x']:.2f} |",
        f"| first call at 10x MC (computes the integrals over {10 * r['n_mc']} events) | "
        f"{r['integrals_10x_first_call_s']:.2f} s |",
        f"| physical floor (integrals: data only): {r['bytes_per_call_integrals'] / 1e6:.0f} MB | "
        f"{r['floor_integrals_s'] * ms:.2f} ms |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="data events (MC: twice as many)")
    parser.add_argument("--quick", action="store_true", help="10x fewer events, no new-process measurement")
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    n_data = max(args.events // 10, 1000) if args.quick else args.events
    results = []
    for workload in WORKLOADS if args.workload == "all" else [args.workload]:
        results.append(run(workload, n_data, args.quick))
        print(report(results[-1]) + "\n", flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
