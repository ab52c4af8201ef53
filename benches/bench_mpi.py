"""Benchmark: NLL value+gradient on 1 and 2 MPI ranks, bytes communicated, and a 64-GPU estimate.

Usage::

    python benches/bench_mpi.py [--events 1000000] [--calls 20] [--out benches/results]

The BreitWigner × Zlm model (:func:`gpu_laddu.canonical.bw_zlm_model`; free widths, so the
accepted-MC term is an event loop and both data and MC sums are reduced), numba backend,
``--events`` data + 2× accepted-MC phase-space events, in three configurations, each a fresh
process (group):

* one process, ``NUMBA_NUM_THREADS=2`` (both cores, threads);
* one process, ``NUMBA_NUM_THREADS=1`` (the per-rank work of the MPI run, for reference);
* ``mpiexec -n 2`` (this venv's mpich), ``NUMBA_NUM_THREADS=1`` per rank (both cores, ranks).

Per call: ``--calls`` timed ``value_and_gradient`` calls, each after a synchronising allreduce;
a call's time is the slowest rank's, and the fastest call is reported (the median too).  Bytes
per call: ``MpiCommunicator.bytes_sent`` before and after one call (the allreduce payload per
rank), compared with what gathering per-event values and gradients to one rank would send:
8 bytes × local events (data + MC) × (1 + n_params).  The latency of one allreduce of that
payload is measured too.

From these, :func:`estimate_cluster` estimates a 64-GPU run over 10⁹ events per call (data and
MC event loops together): compute per GPU = the bandwidth floor (10⁹/64 events × bytes read per
event / 4.3 TB/s, an H200) and communication = a latency-bound allreduce of the payload m
(3 + 2·n_params doubles with an MC event loop), 2·log₂(P)·α + 2·m/β (a reduce-then-broadcast
tree, α ≈ 5 µs per InfiniBand hop, β ≈ 25 GB/s; a recursive-doubling allreduce needs half the
latency terms).

Writes ``bench_mpi.json`` and ``bench_mpi.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.common import emit_json, fmt_time, machine_info, md_table, run_json_child, timed, write_results  # noqa: E402

SEED = 5
GPU_BANDWIDTH = 4.3e12  # H200 HBM3e, bytes per second
ALPHA, BETA = 5e-6, 25e9  # InfiniBand latency per hop (s) and bandwidth (bytes per second)


def child(n_data: int, n_calls: int) -> dict[str, Any] | None:
    """One configuration (run by every rank); rank 0 returns the record, other ranks None."""
    import numpy as np

    import gpu_laddu as gl
    from gpu_laddu.canonical import bw_zlm_model

    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    comm = ctx.comm
    cm = bw_zlm_model()
    p = [cm.start[name] for name in cm.model.parameters]
    data = gl.generate_kskp(n_data, seed=SEED, ctx=ctx)
    mc = gl.generate_kskp_mc(2 * n_data, seed=SEED, ctx=ctx)
    nll, precompute_s = timed(lambda: gl.NLL(cm.model, data, mc))
    value, _ = nll.value_and_gradient(p)  # compiles the kernel
    sync = np.zeros(1)
    times = []
    for _ in range(n_calls):
        comm.allreduce_sum(sync)
        t = time.perf_counter()
        nll.value_and_gradient(p)
        times.append(time.perf_counter() - t)
    slowest = comm.allgatherv(np.array(times)).reshape(ctx.size, n_calls).max(axis=0)
    sent = getattr(comm, "bytes_sent", 0)
    nll.value_and_gradient(p)
    bytes_per_call = getattr(comm, "bytes_sent", 0) - sent
    payload = np.zeros(max(bytes_per_call // 8, 1))
    latency = []
    for _ in range(200):
        comm.allreduce_sum(sync)
        t = time.perf_counter()
        comm.allreduce_sum(payload)
        latency.append(time.perf_counter() - t)
    local_events = data.n_events + mc.n_events
    n_params = len(p)
    if ctx.rank != 0:
        return None
    return {
        "ranks": ctx.size, "threads": ctx.threads, "comm": comm.name, "n_data": n_data, "n_mc": 2 * n_data,
        "n_params": n_params, "mc_method": nll.mc_method, "precompute_s": precompute_s, "nll": value,
        "value_grad_s": float(slowest.min()), "value_grad_median_s": float(statistics.median(slowest)),
        "allreduce_bytes_per_call": int(bytes_per_call),
        "gather_bytes_per_call": 8 * local_events * (1 + n_params),
        "allreduce_latency_s": min(latency),
        "bytes_read_per_event": (nll.data_evaluator.cache_nbytes + nll.mc_evaluator.cache_nbytes
                                 + 8 * local_events) / local_events,
    }


def estimate_cluster(bytes_per_event: float, message_doubles: int, n_params: int, *, n_events: float = 1e9,
                     n_gpus: int = 64, gpu_bandwidth: float = GPU_BANDWIDTH, alpha: float = ALPHA,
                     beta: float = BETA) -> dict[str, float]:
    """Per-call compute floor per GPU and allreduce time for ``n_events`` over ``n_gpus``.

    ``message_doubles`` is the allreduce payload: 3 + 2·n_params doubles when the MC term is an
    event loop (data value, gradient and bad-event count; MC value and gradient), 2 + n_params
    with normalisation integrals (the data sums only).

    >>> e = estimate_cluster(88.0, 13, 5)
    >>> round(e["compute_s"] * 1e3, 3), round(e["allreduce_s"] * 1e6, 1)
    (0.32, 60.0)
    """
    message = 8.0 * message_doubles
    compute = n_events / n_gpus * bytes_per_event / gpu_bandwidth
    allreduce = 2 * math.log2(n_gpus) * alpha + 2 * message / beta
    return {"n_events": n_events, "n_gpus": n_gpus, "bytes_per_event": bytes_per_event, "message_bytes": message,
            "compute_s": compute, "allreduce_s": allreduce, "comm_fraction": allreduce / (compute + allreduce),
            "gather_bytes_per_gpu": 8.0 * n_events / n_gpus * (1 + n_params)}


def _mpiexec() -> str | None:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("mpiexec", path=path)


def run(n_data: int, n_calls: int) -> dict[str, Any]:
    """All three configurations and the estimate."""
    script = [str(Path(__file__).resolve()), "--child", str(n_data), str(n_calls)]
    configs: list[dict[str, Any]] = []
    for threads in (2, 1):
        env = {**os.environ, "NUMBA_NUM_THREADS": str(threads), "OMP_NUM_THREADS": "1"}
        configs.append({"label": f"1 process × {threads} thread{'s' if threads > 1 else ''}",
                        **run_json_child(script, timeout=1800, env=env)})
    mpiexec = _mpiexec()
    if mpiexec is not None:
        env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        res = subprocess.run([mpiexec, "-n", "2", sys.executable, *script], capture_output=True, text=True,
                             timeout=1800, env=env)
        if res.returncode != 0:
            raise RuntimeError(f"mpiexec run failed:\n{res.stderr[-3000:]}")
        configs.append({"label": "mpiexec -n 2 × 1 thread", **json.loads(res.stdout.strip().splitlines()[-1])})
    ref = configs[0]
    for c in configs[1:]:
        if abs(c["nll"] - ref["nll"]) > 1e-12 * abs(ref["nll"]):
            raise RuntimeError(f"{c['label']} NLL {c['nll']!r} differs from {ref['label']} {ref['nll']!r}")
    n_params = ref["n_params"]
    mpi = [c for c in configs if c["ranks"] > 1]
    doubles = mpi[0]["allreduce_bytes_per_call"] // 8 if mpi else 3 + 2 * n_params
    estimates = [{"model": f"bw_zlm ({n_params} parameters, MC event loop; measured bytes per event)",
                  **estimate_cluster(ref["bytes_read_per_event"], doubles, n_params)},
                 {"model": "kmatrix (34 parameters, MC integrals; 240 cache + 8 weight bytes per data event)",
                  **estimate_cluster(248.0, 2 + 34, 34)}]
    return {"benchmark": "mpi", "machine": machine_info(), "configs": configs, "estimates": estimates,
            "estimate_model": {"gpu_bandwidth_Bps": GPU_BANDWIDTH, "alpha_s": ALPHA, "beta_Bps": BETA,
                               "allreduce": "2·log2(P)·α + 2·m/β (tree reduce + broadcast)"}}


def render(r: dict[str, Any]) -> str:
    """Markdown report."""
    c0 = r["configs"][0]
    rows = [[c["label"], fmt_time(c["precompute_s"]), fmt_time(c["value_grad_s"]), fmt_time(c["value_grad_median_s"]),
             f"{c0['value_grad_s'] / c['value_grad_s']:.2f}",
             *([f"{c['allreduce_bytes_per_call']} B", f"{c['gather_bytes_per_call'] / 2**20:.0f} MiB",
                fmt_time(c["allreduce_latency_s"])] if c["ranks"] > 1 else ["—", "—", "—"])] for c in r["configs"]]
    lines = [f"# MPI benchmark — {r['machine']['date'][:10]}", "",
             f"{r['machine']['cpu']}, {r['machine']['logical_cores']} logical cores. BreitWigner × Zlm, numba backend, "
             f"{c0['n_data']:,} data + {c0['n_mc']:,} MC events ({c0['mc_method']} MC term), {c0['n_params']} "
             "parameters. A call's time is the slowest rank's.", "",
             md_table(["configuration", "precompute", "value+gradient (best)", "median",
                       "speed vs 1 process × 2 threads", "allreduce bytes per call per rank",
                       "gather alternative per rank", "allreduce latency"], rows), "",
             "## 64 GPUs, 10⁹ events per call", "",
             f"Model: compute = 10⁹/64 events × bytes read per event / {GPU_BANDWIDTH / 1e12:.1f} TB/s (H200 floor); "
             f"allreduce = 2·log₂(64)·α + 2·m/β with α = {ALPHA * 1e6:.0f} µs, β = {BETA / 1e9:.0f} GB/s, "
             "m = the measured allreduce payload (3 + 2·n_params doubles with an MC event loop, 2 + n_params with "
             "normalisation integrals).", "",
             md_table(["model", "bytes/event", "allreduce message", "compute per GPU per call", "allreduce",
                       "communication share", "gathering instead: bytes per GPU (time at β)"],
                      [[e["model"], f"{e['bytes_per_event']:.0f}", f"{e['message_bytes']:.0f} B",
                        fmt_time(e["compute_s"]), fmt_time(e["allreduce_s"]),
                        f"{100 * e['comm_fraction']:.0f}%",
                        f"{e['gather_bytes_per_gpu'] / 2**30:.1f} GiB ({fmt_time(e['gather_bytes_per_gpu'] / BETA)})"]
                       for e in r["estimates"]])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="data events (MC: twice as many)")
    parser.add_argument("--calls", type=int, default=20, help="timed calls per configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    parser.add_argument("--child", nargs=2, type=int, metavar=("EVENTS", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        rec = child(*args.child)
        if rec is not None:
            emit_json(rec)
        return 0
    results = run(args.events, args.calls)
    markdown = render(results)
    print(markdown)
    write_results(args.out, "bench_mpi", results, markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
