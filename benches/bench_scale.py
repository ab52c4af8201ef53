"""Scale past memory: the K-matrix benchmark model on large Parquet samples, streamed.

Usage::

    python benches/bench_scale.py [--data 10000000] [--mc 20000000] [--scaling-data 1000000]
                                  [--scaling-mc 2000000 20000000] [--fit-budget 1800] [--dir DIR]
                                  [--out benches/results]

Files: seeded γp → K_S K_S p phase space (data and accepted MC), written in row groups of 2²⁰
rows by a Parquet writer one row group at a time (so generating them needs little memory).
Each configuration runs in a fresh process, numba backend, all cores:

* **large**: ``gl.NLL(model, ParquetStream(data), ParquetStream(mc))`` — the data precomputed row
  group by row group into its resident cache, the accepted MC summarised into its normalisation
  integrals row group by row group and dropped; construction time, peak RSS (``VmHWM``) after
  construction and at the end, per-call value+gradient and value-only times against the
  bandwidth floor (data cache + weight bytes / copy bandwidth), and a full Migrad fit;
* **scaling**: the same with ``--scaling-data`` data events and each ``--scaling-mc`` size: the peak
  RSS must not grow with the accepted-MC size; plus the in-memory path (``read_parquet`` of both
  files) at the smallest size, for comparison.

Results: ``bench_scale.json`` and ``bench_scale.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.common import (  # noqa: E402
    best_of,
    copy_bandwidth,
    emit_json,
    fmt_bytes,
    fmt_time,
    machine_info,
    md_table,
    peak_rss_bytes,
    run_json_child,
    timed,
    write_results,
)

ROW_GROUP = 1 << 20


def child_generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Write ``spec["n"]`` events to ``spec["path"]``, one row group at a time."""
    import pyarrow.parquet as pq

    import gpu_laddu as gl
    from gpu_laddu.generate import generate_kskp, generate_kskp_mc

    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    make = generate_kskp_mc if spec["kind"] == "mc" else generate_kskp
    writer = None
    done = 0
    try:
        while done < spec["n"]:
            n = min(ROW_GROUP, spec["n"] - done)
            table = make(n, seed=spec["seed"] + done, ctx=ctx).to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(spec["path"], table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP)
            done += n
    finally:
        if writer is not None:
            writer.close()
    return {"bytes": os.path.getsize(spec["path"])}


def child_run(spec: dict[str, Any]) -> dict[str, Any]:
    """One configuration (see the module docstring)."""
    import gpu_laddu as gl
    from benches.suite import canonical

    cm = canonical("kmatrix")
    p = [cm.start[k] for k in cm.model.parameters]
    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    gl.NLL(cm.model, *(gl.ParquetStream(spec["warm_path"], ctx=ctx),) * 2).value_and_gradient(p)  # compile, import
    baseline = peak_rss_bytes()
    if spec["mode"] == "streamed":
        def build() -> Any:
            return gl.NLL(cm.model, gl.ParquetStream(spec["data_path"], ctx=ctx),
                          gl.ParquetStream(spec["mc_path"], ctx=ctx))
    else:
        def build() -> Any:
            return gl.NLL(cm.model, gl.read_parquet(spec["data_path"], ctx=ctx, progress=False),
                          gl.read_parquet(spec["mc_path"], ctx=ctx, progress=False))
    nll, build_s = timed(build)
    peak_built = peak_rss_bytes()
    cache = nll.data_evaluator.cache_nbytes
    n_data = nll.data_evaluator.n_events
    (_, _), first_s = timed(lambda: nll.value_and_gradient(p))
    vg_s, v_s = best_of(lambda: nll.value_and_gradient(p), lambda: nll.value(p), min_time=spec["min_time"])
    fit: dict[str, Any] = {"skipped": "not asked"}
    if spec["fit"]:
        result, wall = timed(lambda: nll.fit(initial=cm.start, method="migrad", progress=False))
        fit = {"wall_s": wall, "calls": result.n_calls, "fval": result.fval, "converged": result.converged}
    return {"mode": spec["mode"], "n_data": n_data, "n_mc": spec["n_mc"], "mc_method": nll.mc_method,
            "build_s": build_s, "first_call_s": first_s, "value_grad_s": vg_s, "value_s": v_s,
            "data_cache_bytes": cache, "bytes_per_call": cache + 8 * n_data, "baseline_rss_bytes": baseline,
            "peak_rss_built_bytes": peak_built, "peak_rss_bytes": peak_rss_bytes(), "fit": fit,
            "threads": ctx.threads}


def _child(kind: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    return run_json_child([str(Path(__file__).resolve()), "--child", kind, json.dumps(spec)], timeout=timeout)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the files, then every configuration in a fresh process."""
    bandwidth = copy_bandwidth()
    records: list[dict[str, Any]] = []
    folder = Path(tempfile.mkdtemp(prefix="gpu_laddu_scale_", dir=args.dir))
    files: dict[tuple[str, int], str] = {}

    def file(kind: str, n: int) -> str:
        if (kind, n) not in files:
            path = str(folder / f"{kind}_{n}.parquet")
            _child("generate", {"kind": kind, "n": n, "path": path, "seed": 7 if kind == "data" else 8}, 7200)
            files[(kind, n)] = path
        return files[(kind, n)]

    try:
        warm = file("data", 2000)
        configs = [] if args.no_scaling else [
            {"mode": "in-memory", "n_data": args.scaling_data, "n_mc": min(args.scaling_mc), "fit": False},
            *({"mode": "streamed", "n_data": args.scaling_data, "n_mc": m, "fit": False}
              for m in sorted(args.scaling_mc))]
        if args.data:
            configs.append({"mode": "streamed", "n_data": args.data, "n_mc": args.mc, "fit": args.fit_budget > 0})
        for c in configs:
            spec = {**c, "data_path": file("data", c["n_data"]), "mc_path": file("mc", c["n_mc"]),
                    "warm_path": warm, "min_time": args.min_time}
            rec = _child("run", spec, 600 + args.fit_budget)
            rec["floor_s"] = rec["bytes_per_call"] / bandwidth
            records.append(rec)
            print(_line(rec), flush=True)
            for kind, n in [("data", c["n_data"]), ("mc", c["n_mc"])]:
                if kind == "data" and n == args.data:
                    os.remove(files.pop((kind, n)))
    finally:
        for path in files.values():
            os.remove(path)
        folder.rmdir()
    return {"benchmark": "bench_scale", "machine": machine_info(), "memory_bandwidth_Bps": bandwidth,
            "settings": {"row_group": ROW_GROUP, "model": "kmatrix_benchmark_model", "backend": "numba"},
            "results": records}


def _line(r: dict[str, Any]) -> str:
    fit = r["fit"]
    return (f"{r['mode']} {r['n_data']:,} + {r['n_mc']:,}: build {r['build_s']:.1f} s, v+g "
            f"{fmt_time(r['value_grad_s'])} ({r['value_grad_s'] / r['floor_s']:.2f}× floor), value "
            f"{fmt_time(r['value_s'])}, peak RSS {fmt_bytes(r['peak_rss_bytes'])}"
            + (f", fit {fit['wall_s']:.0f} s ({fit['calls']} calls)" if "wall_s" in fit else ""))


def render(results: dict[str, Any]) -> str:
    """Markdown report of :func:`run`'s results."""
    m = results["machine"]
    rows = []
    recs = results["results"]
    base = next((r["peak_rss_bytes"] for r in recs if r["mode"] == "streamed"), None)
    for r in recs:
        fit = r["fit"]
        n = r["n_data"] + r["n_mc"]
        growth = (f"{(r['peak_rss_bytes'] / base - 1) * 100:+.1f}%" if base and r["mode"] == "streamed"
                  and len(recs) > 1 and r["n_data"] == recs[1]["n_data"] else "")
        rows.append([r["mode"], f"{r['n_data']:,} + {r['n_mc']:,}", f"{r['build_s']:.1f} s",
                     f"{fmt_time(r['value_grad_s'])} ({r['value_grad_s'] / r['floor_s']:.2f}×)",
                     fmt_time(r["value_s"]), fmt_bytes(r["peak_rss_bytes"]), growth,
                     f"{r['peak_rss_bytes'] / n:.0f} B",
                     (f"{fit['wall_s']:.0f} s, {fit['calls']} calls, fval {fit['fval']:.2f}"
                      f"{'' if fit['converged'] else ' (not converged)'}" if "wall_s" in fit else "—")])
    return "\n".join([
        f"# Scale past memory: K-matrix benchmark model from Parquet — {m['date'][:10]}", "",
        f"{m['cpu']}, {m['logical_cores']} logical cores, {fmt_bytes(m['memory_total_bytes'])}; copy bandwidth "
        f"{results['memory_bandwidth_Bps'] / 1e9:.1f} GB/s; numba backend; row groups of {ROW_GROUP:,} rows; "
        f"commit {(m.get('commit') or '?')[:10]}{' + uncommitted changes' if m.get('uncommitted_changes') else ''}.",
        "", "*streamed*: `gl.NLL(model, gl.ParquetStream(data), gl.ParquetStream(accmc))` (data precomputed row "
        "group by row group, accepted MC through its integrals and dropped); *in-memory*: `read_parquet` of both. "
        "Peak RSS: VmHWM of a fresh process (after a small warm-up fit). v+g in × of the floor (data cache + weight "
        "bytes / copy bandwidth).", "",
        md_table(["mode", "data + MC events", "construction", "v+g (× floor)", "value", "peak RSS",
                  "growth vs smallest MC", "peak RSS / event", "Migrad fit"], rows), ""])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=int, default=10_000_000, help="data events of the large run (0: none)")
    parser.add_argument("--mc", type=int, default=20_000_000)
    parser.add_argument("--scaling-data", type=int, default=1_000_000)
    parser.add_argument("--scaling-mc", type=int, nargs="+", default=[2_000_000, 20_000_000])
    parser.add_argument("--no-scaling", action="store_true", help="only the large run")
    parser.add_argument("--fit-budget", type=float, default=1800.0, help="seconds for the large fit (0: no fit)")
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--dir", default=None, help="folder of the generated files (default: the temp folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        emit_json({"generate": child_generate, "run": child_run}[args.child[0]](json.loads(args.child[1])))
        return 0
    results = run(args)
    markdown = render(results)
    paths = write_results(args.out, "bench_scale", results, markdown)
    print(markdown)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
