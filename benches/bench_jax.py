"""gpu_laddu's numba backend against the expert-JAX peer (:mod:`benches.jax_peer`), same events, same run.

Usage::

    python benches/bench_jax.py [--sizes 100000 1000000] [--models kmatrix bw_zlm] [--threads N]
                                [--out benches/results]

Per model and size N (N data events, 2N accepted-MC events, seeded phase space), in a fresh
process: gpu_laddu's NLL (numba backend) is built, then the JAX NLL over exactly its cache
columns (and its normalisation integrals where the model uses them); a parity check (value
and gradient to a relative 1e-9) must pass; then value+gradient and value-only calls of both
are timed round-robin (fastest of repeated calls, so both see the same load; a 5 ms untimed pause
before each call keeps XLA's spinning worker threads off the next), with JAX's
set-up (trace + XLA compile of both functions).  Both use ``--threads`` threads (default: all
cores).  Results: ``bench_jax.json`` and ``bench_jax.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.common import (  # noqa: E402
    emit_json,
    fmt_bytes,
    fmt_time,
    machine_info,
    md_table,
    peak_rss_bytes,
    rel_diff,
    run_json_child,
    timed,
    write_results,
)

MODELS = ("kmatrix", "bw_zlm")
PARITY_TOL = 1e-9


def _round_robin(fns: list[Any], min_time: float, min_calls: int = 5) -> list[float]:
    """Fastest seconds per call of each function, called in turn with an untimed 5 ms pause before each
    call (XLA's CPU worker threads spin for a while after a call; the pause keeps them off the next)."""
    best = [float("inf")] * len(fns)
    start, rounds = time.perf_counter(), 0
    while rounds < min_calls or (time.perf_counter() - start < min_time and rounds < 200):
        for k, fn in enumerate(fns):
            time.sleep(0.005)
            t = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t)
        rounds += 1
    return best


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One model and size: build both, check parity, time both."""
    from benches import jax_peer

    jax_peer.configure(spec["threads"])
    import numpy as np

    import gpu_laddu as gl
    from benches.suite import canonical
    from gpu_laddu.generate import generate_kskp, generate_kskp_mc

    ctx = gl.ExecutionContext(device="cpu", backend="numba", threads=spec["threads"])
    n = spec["n_data"]
    data = generate_kskp(n, seed=11, ctx=ctx)
    mc = generate_kskp_mc(2 * n, seed=12, ctx=ctx)
    cm = canonical(spec["model"])
    p = np.array([cm.start[k] for k in cm.model.parameters])
    nll, build_s = timed(lambda: gl.NLL(cm.model, data, mc))
    ours = nll.value_and_gradient(p)
    peer, peer_build_s = timed(lambda: jax_peer.JaxNLL(nll))
    compile_s = peer.compile(p)
    theirs = peer.value_and_gradient(p)
    parity = {"value_rel": abs(theirs[0] - ours[0]) / abs(ours[0]), "gradient_rel": rel_diff(theirs[1], ours[1])}
    if not (parity["value_rel"] <= PARITY_TOL and parity["gradient_rel"] <= PARITY_TOL):
        raise RuntimeError(f"PARITY FAILURE JAX vs gpu_laddu ({spec['model']}, {n}): {parity}")
    nll.value(p)
    t = _round_robin([lambda: nll.value_and_gradient(p), lambda: peer.value_and_gradient(p), lambda: nll.value(p),
                      lambda: peer.value(p)], spec["min_time"])
    return {"model": spec["model"], "n_data": n, "n_mc": 2 * n, "threads": ctx.threads, "mc_method": nll.mc_method,
            "jax_device": str(peer.device), "build_s": build_s, "jax_setup_s": peer_build_s + compile_s,
            "ours_value_grad_s": t[0], "jax_value_grad_s": t[1], "ours_value_s": t[2], "jax_value_s": t[3],
            "parity": parity, "peak_rss_bytes": peak_rss_bytes()}


def run(sizes: Sequence[int], models: Sequence[str], threads: int, min_time: float) -> dict[str, Any]:
    """All configurations, each in a fresh process."""
    records = []
    for model in models:
        for n in sizes:
            spec = {"model": model, "n_data": n, "threads": threads, "min_time": min_time}
            rec = run_json_child([str(Path(__file__).resolve()), "--child", json.dumps(spec)], timeout=3600)
            records.append(rec)
            print(f"{model} {n:,} + {2 * n:,}: v+g ours {fmt_time(rec['ours_value_grad_s'])} JAX "
                  f"{fmt_time(rec['jax_value_grad_s'])}; value ours {fmt_time(rec['ours_value_s'])} JAX "
                  f"{fmt_time(rec['jax_value_s'])}; JAX set-up {fmt_time(rec['jax_setup_s'])}", flush=True)
    return {"benchmark": "bench_jax", "machine": machine_info(), "settings": {"sizes": list(sizes),
            "models": list(models), "threads": threads, "mc_factor": 2}, "results": records}


def render(results: dict[str, Any]) -> str:
    """Markdown table of :func:`run`'s results."""
    m = results["machine"]
    rows = []
    for r in results["results"]:
        rows.append([r["model"], f"{r['n_data']:,} + {r['n_mc']:,}", r["mc_method"], fmt_time(r["jax_value_grad_s"]),
                     fmt_time(r["ours_value_grad_s"]), f"{r['jax_value_grad_s'] / r['ours_value_grad_s']:.2g}×",
                     fmt_time(r["jax_value_s"]), fmt_time(r["ours_value_s"]),
                     f"{r['jax_value_s'] / r['ours_value_s']:.2g}×", fmt_time(r["jax_setup_s"]),
                     f"{max(r['parity'].values()):.1e}", fmt_bytes(r["peak_rss_bytes"])])
    return "\n".join([
        f"# gpu_laddu (numba) vs an expert JAX likelihood — {m['date'][:10]}", "",
        f"{m['cpu']}, {m['logical_cores']} logical cores; JAX {m['versions'].get('jax', '?')} on "
        f"{results['results'][0]['jax_device'] if results['results'] else '?'}, "
        f"{results['settings']['threads']} threads for both; commit {(m.get('commit') or '?')[:10]}"
        f"{' + uncommitted changes' if m.get('uncommitted_changes') else ''}.", "",
        "Same events, same cache columns (and normalisation integrals), float64; times are the fastest of calls "
        "made round-robin in one process. *JAX / ours* above 1: gpu_laddu is faster. JAX set-up = trace + XLA "
        "compile of value+gradient and value-only.", "",
        md_table(["model", "data + MC events", "MC term", "JAX v+g", "ours v+g", "JAX / ours", "JAX value",
                  "ours value", "JAX / ours", "JAX set-up", "parity (rel)", "peak RSS (both)"], rows), ""])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        emit_json(child(json.loads(args.child)))
        return 0
    results = run(args.sizes, args.models, args.threads, args.min_time)
    markdown = render(results)
    paths = write_results(args.out, "bench_jax", results, markdown)
    print(markdown)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
