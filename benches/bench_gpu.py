"""GPU benchmark: laddu's K-matrix benchmark model through the fused likelihood kernels.

Usage::

    python benches/bench_gpu.py [--backend cupy] [--events 1000000,10000000] [--out DIR]
    python benches/bench_gpu.py --backend numba --events 100000        # the same logic on the CPU

Model: :func:`gpu_laddu.canonical.kmatrix_benchmark_model` (34 free parameters).  For each
size N: N data events and 2N accepted-MC events (γp → K_S K_S p phase space).  Events are
generated once on the host for the largest N; a smaller N takes the first events of that
sample (the generator's event i does not depend on the sample size).  Per size and precision
(f64, f32):

* ``load``: host → device copy of the raw columns; ``precompute``: building the NLL (the
  cache columns of data and MC, on the device); ``first call``: kernel compilation and the
  normalisation integrals;
* per call, the fastest of repeated calls: the NLL value + gradient (normalisation integrals,
  the default: the kernel reads the data cache) and the event loop over data and accepted MC
  (``normalization="events"``: it reads both caches);
* achieved bandwidth = cache + weight bytes read per call / time, as a fraction of the
  device's copy bandwidth (read + write bytes per second of a large device-to-device copy,
  measured here);
* the expert-JAX peer (:mod:`benches.jax_peer`, f64 only, when JAX is installed; on the GPU
  when JAX sees one): ``jit(value_and_grad)`` over the same cache columns and normalisation
  integrals, its set-up (trace + XLA compile), value + gradient and value-only per call, next
  to gpu_laddu's value-only call;
* speed-up over the numba backend on this machine's CPU cores.  Numba is timed on
  ``min(N, --numba-events)`` data events (and twice as many MC events) and its time scaled
  linearly to N; the report says when it was.

Targets at 10M events (DESIGN.md §5, issue 6): bandwidth ≥ 50% of the copy bandwidth and a
speed-up ≥ 20x over numba.  The report is ``bench_gpu.json`` and ``bench_gpu.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gpu_laddu as gl  # noqa: E402
from gpu_laddu.canonical import kmatrix_benchmark_model  # noqa: E402
from gpu_laddu.generate import generate_kskp, generate_kskp_mc  # noqa: E402

PRECISIONS = ("f64", "f32")
TARGET_EVENTS = 10_000_000
TARGET_BANDWIDTH = 0.5
TARGET_SPEEDUP = 20.0


def best_of(fn: Callable[[], Any], sync: Callable[[], None], repeats: int, min_time: float) -> float:
    """Fastest seconds of one call of ``fn`` (after a warm-up call), at least ``repeats`` calls."""
    fn()
    sync()
    best, start, calls = float("inf"), time.perf_counter(), 0
    while calls < repeats or (time.perf_counter() - start < min_time and calls < 100):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
        calls += 1
    return best


def timed(fn: Callable[[], Any], sync: Callable[[], None]) -> tuple[Any, float]:
    """(result, seconds) of one call, the device synchronised before and after."""
    sync()
    t = time.perf_counter()
    out = fn()
    sync()
    return out, time.perf_counter() - t


def device_kind(backend: str) -> str:
    return "cuda" if backend == "cupy" else "cpu"


def copy_bandwidth(backend: str, nbytes: int) -> float:
    """Read + write bytes per second of a large copy on the backend's device."""
    ctx = gl.ExecutionContext(device=device_kind(backend), backend=backend)

    def probe() -> float:
        with ctx.device_scope():
            src = ctx.xp.ones(nbytes // 8)
            dst = ctx.xp.empty_like(src)

            def copy() -> None:
                dst[...] = src

            return best_of(copy, ctx.synchronize, repeats=5, min_time=0.0)

    t = probe()
    ctx.close()  # the arrays died with probe(): their memory goes back to the device
    return 2.0 * nbytes / t


def gpu_facts() -> dict[str, Any]:
    """Name, compute capability, multiprocessors and memory of the GPU a cupy context picks."""
    ctx = gl.ExecutionContext(device="cuda", backend="cupy")
    runtime = ctx.xp.cuda.runtime
    props = runtime.getDeviceProperties(ctx.device_id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    facts = {"index": ctx.device_id, "name": name, "compute_capability": f"{props['major']}.{props['minor']}",
             "multiprocessors": int(props["multiProcessorCount"]),
             "memory_total_gib": round(int(props["totalGlobalMem"]) / 2**30, 1),
             "cuda_runtime": int(runtime.runtimeGetVersion()), "cuda_driver": int(runtime.driverGetVersion())}
    ctx.close()
    return facts


def host_samples(n_data: int) -> tuple[gl.Dataset, gl.Dataset]:
    """Data and accepted MC (2x) on the host."""
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    return (generate_kskp(n_data, seed=1, pol_angle=0.7, ctx=ctx),
            generate_kskp_mc(2 * n_data, seed=2, pol_angle=0.7, ctx=ctx))


def on_context(host: gl.Dataset, n: int, ctx: gl.ExecutionContext) -> gl.Dataset:
    """The first ``n`` events of a host dataset, copied to ``ctx``'s device."""
    def put(column: np.ndarray) -> Any:
        return ctx.asarray(column[:n])

    return gl.Dataset(ctx, {name: tuple(put(c) for c in host.p4(name)) for name in host.p4_names},
                      {name: put(host.scalar(name)) for name in host.scalar_names},
                      put(host.weights) if host.has_explicit_weights else None)


def measure(backend: str, precision: str, samples: tuple[gl.Dataset, gl.Dataset], n: int, repeats: int,
            min_time: float, threads: int | None = None, jax: bool = False) -> dict[str, Any]:
    """All timings of one backend, precision and size (with the JAX peer when ``jax``)."""
    ctx = gl.ExecutionContext(device=device_kind(backend), backend=backend, precision=precision, threads=threads)
    out = _measure(ctx, samples, n, repeats, min_time, jax)
    ctx.close()  # the datasets and caches died with _measure(): their memory goes back to the device
    return out


def _measure(ctx: gl.ExecutionContext, samples: tuple[gl.Dataset, gl.Dataset], n: int, repeats: int,
             min_time: float, jax: bool = False) -> dict[str, Any]:
    cm = kmatrix_benchmark_model()
    p = np.array([cm.start[name] for name in cm.model.parameters])
    sync = ctx.synchronize
    (data, mc), t_load = timed(lambda: (on_context(samples[0], n, ctx), on_context(samples[1], 2 * n, ctx)), sync)
    nll, t_pre = timed(lambda: gl.NLL(cm.model, data, mc), sync)
    (value, _), t_first = timed(lambda: nll.value_and_gradient(p), sync)
    dev, mcev = nll.data_evaluator, nll.mc_evaluator

    def events() -> None:
        dev.likelihood_sums(p, log=True, with_gradient=True)
        mcev.likelihood_sums(p, log=False, with_gradient=True)

    out = _jax_peer(nll, p, sync, repeats, min_time) if jax and ctx.precision == "f64" else {}
    return {
        **out, "per_call_value_s": best_of(lambda: nll.value(p), sync, repeats, min_time),
        "backend": ctx.backend, "precision": ctx.precision, "n_data": n, "n_mc": 2 * n, "load_s": t_load,
        "precompute_s": t_pre, "first_call_s": t_first, "value": value, "mc_method": nll.mc_method,
        "per_call_integrals_s": best_of(lambda: nll.value_and_gradient(p), sync, repeats, min_time),
        "per_call_events_s": best_of(events, sync, repeats, min_time),
        "cache_bytes_per_event": dev.cache_nbytes / n,
        "bytes_integrals": dev.cache_nbytes + 8 * n,
        "bytes_events": dev.cache_nbytes + mcev.cache_nbytes + 8 * 3 * n,
        "streamed": [dev.chunk_plan.streamed, mcev.chunk_plan.streamed],
        "threads": ctx.threads,
    }


def _jax_peer(nll: Any, p: np.ndarray, sync: Callable[[], None], repeats: int, min_time: float) -> dict[str, Any]:
    """The expert-JAX peer over ``nll``'s caches: set-up, parity and per-call timings (a failure is reported)."""
    from benches import jax_peer

    try:
        peer, t_setup = timed(lambda: jax_peer.JaxNLL(nll), lambda: None)
        t_compile = peer.compile(p)
        ours, theirs = nll.value_and_gradient(p), peer.value_and_gradient(p)
        parity = max(abs(theirs[0] - ours[0]) / abs(ours[0]),
                     float(np.max(np.abs(theirs[1] - ours[1])) / np.max(np.abs(ours[1]))))
        return {"jax_device": str(peer.device), "jax_setup_s": t_setup + t_compile, "jax_parity_rel": parity,
                "jax_value_grad_s": best_of(lambda: peer.value_and_gradient(p), sync, repeats, min_time),
                "jax_value_s": best_of(lambda: peer.value(p), sync, repeats, min_time)}
    except Exception as exc:  # noqa: BLE001 - the peer is optional: report, don't stop the device check
        return {"jax_error": f"{type(exc).__name__}: {exc}"[:300]}


def derive(r: dict[str, Any], copy_bw: float, ref: dict[str, Any] | None) -> None:
    """Bandwidths, their fraction of the copy bandwidth, and speed-ups over the numba reference."""
    for mode in ("integrals", "events"):
        bw = r[f"bytes_{mode}"] / r[f"per_call_{mode}_s"]
        r[f"bandwidth_{mode}_GBps"] = bw / 1e9
        r[f"bandwidth_{mode}_fraction"] = bw / copy_bw
        if ref is not None:
            scaled = ref[f"per_call_{mode}_s"] * r["n_data"] / ref["n_data"]
            r[f"numba_{mode}_s"] = scaled
            r[f"speedup_{mode}"] = scaled / r[f"per_call_{mode}_s"]
    if ref is not None:
        r["numba_events_timed"] = ref["n_data"]
        r["numba_scaled"] = ref["n_data"] != r["n_data"]


def run(args: argparse.Namespace) -> dict[str, Any]:
    start = time.perf_counter()
    sizes = sorted(int(s) for s in args.events.split(","))
    precisions = [p for p in args.precisions.split(",") if p]
    result: dict[str, Any] = {
        "model": "kmatrix_benchmark_model", "backend": args.backend, "sizes": sizes, "precisions": precisions,
        "machine": platform.machine(), "cpu_cores": os.cpu_count(), "python": platform.python_version(),
        "gpu_laddu": gl.__version__, "time_budget_s": args.time_budget, "runs": [], "skipped": [],
    }
    try:
        _measure_all(args, sizes, precisions, result, start)
    except KeyboardInterrupt:  # a time limit (SIGINT): report what was measured
        result["skipped"].append({"n_data": None, "precision": None, "reason": "interrupted"})
    f64 = {r["n_data"]: r["value"] for r in result["runs"] if r["precision"] == "f64"}
    for r in result["runs"]:
        if r["precision"] == "f32" and r["n_data"] in f64:
            r["f32_vs_f64_rel"] = abs(r["value"] - f64[r["n_data"]]) / abs(f64[r["n_data"]])
    result["targets"] = targets(result["runs"])
    result["total_s"] = time.perf_counter() - start
    return result


def _measure_all(args: argparse.Namespace, sizes: list[int], precisions: list[str], result: dict[str, Any],
                 start: float) -> None:
    """Fill ``result``: device facts, the numba reference, then each size and precision in turn."""
    if args.backend == "cupy":
        result["gpus"] = [gpu_facts()]
    result["copy_bandwidth_GBps"] = copy_bandwidth(args.backend, args.copy_bytes) / 1e9
    samples, result["generate_s"] = timed(lambda: host_samples(sizes[-1]), lambda: None)
    references: dict[str, dict[str, Any]] = {}
    if args.numba_events > 0:
        n_ref = min(sizes[-1], args.numba_events)
        try:
            for precision in precisions:
                references[precision] = measure("numba", precision, samples, n_ref, args.repeats, args.min_time,
                                                threads=args.threads)
        except gl.BackendUnavailableError as exc:
            result["skipped"].append({"n_data": n_ref, "precision": None, "reason": f"numba reference: {exc}"})
        result["numba_reference"] = list(references.values())
    use_jax = not args.no_jax and _jax_available()
    per_event_s = 0.0  # seconds per data event of a measurement so far, to keep within the time budget
    for n in sizes:
        for precision in precisions:
            left = args.time_budget - (time.perf_counter() - start)
            need = per_event_s * n + 10.0 * bool(per_event_s)  # scaling work, plus compile and timing loops
            if need > left:
                result["skipped"].append({"n_data": n, "precision": precision,
                                          "reason": f"time budget: ~{need:.0f} s needed, {left:.0f} s left"})
                continue
            t = time.perf_counter()
            r = measure(args.backend, precision, samples, n, args.repeats, args.min_time, jax=use_jax)
            per_event_s = max(per_event_s, (time.perf_counter() - t - r["first_call_s"]) / n)
            derive(r, result["copy_bandwidth_GBps"] * 1e9, references.get(precision))
            result["runs"].append(r)
            print(_run_line(r), flush=True)


def _jax_available() -> bool:
    from benches import jax_peer

    if jax_peer.available():
        jax_peer.configure()
        return True
    return False


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pass/fail of the bandwidth and speed-up targets at 10M data events."""
    out = []
    for r in runs:
        if r["n_data"] != TARGET_EVENTS:
            continue
        for mode in ("integrals", "events"):
            out.append({"precision": r["precision"], "mode": mode, "what": "bandwidth fraction",
                        "value": r[f"bandwidth_{mode}_fraction"], "target": TARGET_BANDWIDTH,
                        "met": r[f"bandwidth_{mode}_fraction"] >= TARGET_BANDWIDTH})
            if f"speedup_{mode}" in r:
                out.append({"precision": r["precision"], "mode": mode, "what": "speed-up over numba",
                            "value": r[f"speedup_{mode}"], "target": TARGET_SPEEDUP,
                            "met": r[f"speedup_{mode}"] >= TARGET_SPEEDUP})
    return out


def _run_line(r: dict[str, Any]) -> str:
    speed = f", {r['speedup_events']:.1f}x numba" if "speedup_events" in r else ""
    return (f"{r['backend']} {r['precision']} N={r['n_data']}: precompute {r['precompute_s']:.2f} s, "
            f"NLL+grad {r['per_call_integrals_s'] * 1e3:.3f} ms, event loop {r['per_call_events_s'] * 1e3:.3f} ms "
            f"({r['bandwidth_events_fraction']:.0%} of copy bandwidth{speed})")


def report(result: dict[str, Any]) -> str:
    """The markdown report."""
    ms = 1e3
    lines = [f"## GPU benchmark: {result['model']} on {result['backend']}", ""]
    for g in result.get("gpus", []):
        lines.append(f"GPU {g['index']}: {g['name']} (sm_{g['compute_capability'].replace('.', '')}, "
                     f"{g['multiprocessors']} SMs), {g['memory_total_gib']} GiB; CUDA runtime {g['cuda_runtime']}, "
                     f"driver {g['cuda_driver']}")
    lines += [f"{result['cpu_cores']} CPU cores; device copy bandwidth {result.get('copy_bandwidth_GBps', 0):.0f} "
              f"GB/s (read + write); host generation of the largest sample {result.get('generate_s', 0):.1f} s; "
              f"total {result['total_s']:.0f} s.", ""]
    for ref in result.get("numba_reference", []):
        lines.append(f"numba reference ({ref['precision']}, {ref['threads']} threads) timed at {ref['n_data']} data + "
                     f"{ref['n_mc']} MC events: NLL+grad {ref['per_call_integrals_s'] * ms:.2f} ms, event loop "
                     f"{ref['per_call_events_s'] * ms:.2f} ms; scaled linearly to larger N where marked *.")
    lines += ["", "| N data (MC 2N) | precision | load | precompute | first call | NLL+grad (integrals) | "
              "event loop (data+MC) | bandwidth (event loop) | of copy bw | numba (event loop) | speed-up | "
              "f32 vs f64 |", "|" + "---|" * 12]
    for r in result["runs"]:
        star = "*" if r.get("numba_scaled") else ""
        numba = f"{r['numba_events_s'] * ms:.1f} ms{star}" if "numba_events_s" in r else "n/a"
        speed = (f"{r['speedup_events']:.1f}x (NLL+grad {r['speedup_integrals']:.1f}x)"
                 if "speedup_events" in r else "n/a")
        rel = f"{r['f32_vs_f64_rel']:.1e}" if "f32_vs_f64_rel" in r else ""
        lines.append(f"| {r['n_data']:,} | {r['precision']} | {r['load_s']:.2f} s | {r['precompute_s']:.2f} s | "
                     f"{r['first_call_s']:.2f} s | {r['per_call_integrals_s'] * ms:.3f} ms | "
                     f"{r['per_call_events_s'] * ms:.3f} ms | {r['bandwidth_events_GBps']:.0f} GB/s | "
                     f"{r['bandwidth_events_fraction']:.0%} | {numba} | {speed} | {rel} |")
    jax_rows = [r for r in result["runs"] if "jax_value_grad_s" in r]
    if jax_rows:
        lines += ["", f"Expert-JAX peer on {jax_rows[0]['jax_device']} (same cache columns and integrals, f64):", "",
                  "| N data (MC 2N) | JAX v+g | ours v+g | JAX / ours | JAX value | ours value | JAX / ours | "
                  "JAX set-up | parity |", "|" + "---|" * 9]
        for r in jax_rows:
            vg, ours_vg, v, ours_v = (r["jax_value_grad_s"], r["per_call_integrals_s"], r["jax_value_s"],
                                      r["per_call_value_s"])
            lines.append(f"| {r['n_data']:,} | {vg * ms:.3f} ms | {ours_vg * ms:.3f} ms | {vg / ours_vg:.2g}x | "
                         f"{v * ms:.3f} ms | {ours_v * ms:.3f} ms | {v / ours_v:.2g}x | {r['jax_setup_s']:.2f} s | "
                         f"{r['jax_parity_rel']:.1e} |")
    for r in result["runs"]:
        if "jax_error" in r:
            lines.append(f"\nJAX peer at N={r['n_data']}: {r['jax_error']}")
    for s in result["skipped"]:
        lines.append(f"\nskipped N={s['n_data']} {s['precision']}: {s['reason']}")
    if result["targets"]:
        lines += ["", "| target at 10M events | precision | mode | value | target | met |", "|---|---|---|---|---|---|"]
        for t in result["targets"]:
            lines.append(f"| {t['what']} | {t['precision']} | {t['mode']} | {t['value']:.2f} | {t['target']} | "
                         f"{'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="cupy", choices=["cupy", "numba", "numpy"])
    parser.add_argument("--events", default=f"1000000,{TARGET_EVENTS}", help="data event counts, comma-separated")
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--numba-events", type=int, default=200_000,
                        help="data events the numba reference is timed on (0: no reference)")
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all cores)")
    parser.add_argument("--no-jax", action="store_true", help="skip the expert-JAX peer (run when JAX is installed)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls at least")
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds of timed calls at least")
    parser.add_argument("--copy-bytes", type=int, default=1 << 30, help="size of the bandwidth-probe copy")
    parser.add_argument("--time-budget", type=float, default=300.0, help="seconds; larger sizes are skipped after")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_gpu.json").write_text(json.dumps(result, indent=2, default=float))
    text = report(result)
    (args.out / "bench_gpu.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
