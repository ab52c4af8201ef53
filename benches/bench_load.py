"""Benchmark: loading a Parquet event file with gpu_laddu vs reading it with pyarrow.

Writes ``--events`` random but physical events (four-vectors beam, kshort1, kshort2, proton;
scalars pol_magnitude, pol_angle; weight: 19 float64 columns) to Parquet files in a temporary
directory, then, each in a fresh subprocess (so the peak RSS of one run is not mixed with
another's), measures

* ``pyarrow``: ``pyarrow.parquet.read_table`` of the same columns, and
* ``gpu_laddu``: ``gl.read_parquet`` into a numpy-backend Dataset (projection, validation of
  every value, four-momentum checks included).

Each method is run ``--repeat`` times (alternating, so both see the same background load); the
best wall time and the smallest peak RSS are reported.  Peak RSS is ``ru_maxrss`` after the
load minus ``ru_maxrss`` measured after the imports and a warm-up read of a one-event file by
the same method (the interpreter's baseline, including the Arrow/Parquet code that is loaded
lazily on first use, about 40 MB).  The events are generated and written in a subprocess too,
because on Linux a child process inherits its parent's ``ru_maxrss``.  Goals: load time
≤ 1.3 × pyarrow's read, and peak RSS ≤ 2 × the raw column bytes (events × 19 × 8).  Two files
are measured: one written by ``gl.write_parquet`` with its default row groups (1 Mi rows), and
one with 128 Ki-row groups (the streaming path, which copies into preallocated columns).

Usage::

    python benches/bench_load.py [--events N] [--out DIR] [--repeat R]

Prints a markdown table and writes ``bench_load.json`` and ``bench_load.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benches.common import cpu_model, emit_json, machine_info, md_table, run_json_child, write_results  # noqa: E402

P4S = {"beam": 0.0, "kshort1": 0.497611, "kshort2": 0.497611, "proton": 0.938272}
SCALARS = ("pol_magnitude", "pol_angle")
N_COLUMNS = 4 * len(P4S) + len(SCALARS) + 1
TIME_GOAL, RSS_GOAL = 1.3, 2.0


def write_events(path: Path, n: int, row_group_size: int | None) -> None:
    """Random physical events, written with gpu_laddu's writer (laddu column names)."""
    import numpy as np

    import gpu_laddu as gl

    rng = np.random.default_rng(12345)
    p4s = {}
    for name, mass in P4S.items():
        if name == "beam":
            e = rng.uniform(8.0, 9.0, n)
            p4s[name] = np.column_stack([e, np.zeros(n), np.zeros(n), e])
        else:
            p = rng.normal(0.0, 1.0, (n, 3))
            p4s[name] = np.column_stack([np.sqrt(mass**2 + (p * p).sum(axis=1)), p])
    scalars = {"pol_magnitude": rng.uniform(0.2, 0.4, n), "pol_angle": rng.uniform(-np.pi, np.pi, n)}
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = gl.data.from_numpy(p4s=p4s, scalars=scalars, weights=rng.normal(0.8, 0.5, n), ctx=ctx)
    kwargs = {} if row_group_size is None else {"row_group_size": row_group_size}
    gl.data.write_parquet(ds, path, **kwargs)


def child(method: str, path: str) -> dict[str, float]:
    """One measurement in this (fresh) process."""
    import pyarrow.parquet as pq

    import gpu_laddu as gl

    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    columns = pq.ParquetFile(path).schema_arrow.names
    warm_up = str(Path(path).with_name("warm_up.parquet"))  # one event: loads Arrow's lazily loaded code
    pq.read_table(warm_up) if method == "pyarrow" else gl.data.read_parquet(warm_up, ctx=ctx)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if method == "pyarrow":
        result = pq.read_table(path, columns=columns)
        n = result.num_rows
    else:
        result = gl.data.read_parquet(path, ctx=ctx)
        n = result.n_events
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall_s": wall, "peak_rss_bytes": (peak - baseline) * 1024.0, "events": float(n),
            "columns": float(len(columns))}


def measure(path: Path, repeat: int) -> dict[str, dict[str, object]]:
    """Alternate the methods, so that both see the same background load."""
    runs: dict[str, list[dict[str, float]]] = {"pyarrow": [], "gpu_laddu": []}
    for _ in range(repeat):
        for method, results in runs.items():
            results.append(run_json_child([__file__, "--child", method, str(path)], timeout=600))
    return {
        method: {"wall_s": min(r["wall_s"] for r in results),
                 "peak_rss_bytes": min(r["peak_rss_bytes"] for r in results),
                 "all_wall_s": [r["wall_s"] for r in results], "events": results[0]["events"]}
        for method, results in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=3, metavar=("PATH", "EVENTS", "GROUP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        emit_json(child(*args.child))
        return
    if args.write:
        write_events(Path(args.write[0]), int(args.write[1]), int(args.write[2]) or None)
        write_events(Path(args.write[0]).with_name("warm_up.parquet"), 1, None)
        return
    raw = args.events * N_COLUMNS * 8
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, group in (("default row groups (1 Mi rows)", None), ("128 Ki-row groups", 1 << 17)):
            path = Path(tmp) / f"events_{group or 'default'}.parquet"
            # in a subprocess: Linux children inherit the parent's ru_maxrss, so the parent stays small
            subprocess.run([sys.executable, __file__, "--write", str(path), str(args.events), str(group or 0)],
                           check=True)
            both = measure(path, args.repeat)
            ref, ours = both["pyarrow"], both["gpu_laddu"]
            rows.append({
                "file": label, "file_bytes": path.stat().st_size, "raw_column_bytes": raw,
                "pyarrow": ref, "gpu_laddu": ours,
                "time_ratio": ours["wall_s"] / ref["wall_s"],
                "rss_ratio": ours["peak_rss_bytes"] / raw,
                "pyarrow_rss_ratio": ref["peak_rss_bytes"] / raw,
            })
    header = (f"events: {args.events:,} ({N_COLUMNS} float64 columns, raw {raw / 2**20:.1f} MiB); "
              f"best of {args.repeat} fresh processes; {cpu_model()}, "
              "peak RSS = ru_maxrss after the load minus ru_maxrss after the imports and a one-event warm-up read")
    rows_md = [[r["file"], f"{r['pyarrow']['wall_s'] * 1e3:.1f} ms", f"{r['gpu_laddu']['wall_s'] * 1e3:.1f} ms",
                f"{r['time_ratio']:.2f}x {'✓' if r['time_ratio'] <= TIME_GOAL else '✗'}",
                f"{r['rss_ratio']:.2f}x {'✓' if r['rss_ratio'] <= RSS_GOAL else '✗'}", f"{r['pyarrow_rss_ratio']:.2f}x"]
               for r in rows]
    lines = [header, "", md_table(["file", "pyarrow read_table", "gl.read_parquet", "time ratio (goal ≤ 1.3)",
                                   "gl peak RSS / raw (goal ≤ 2)", "pyarrow peak RSS / raw"], rows_md)]
    table = "\n".join(lines)
    print(table)
    write_results(args.out, "bench_load", {
        "benchmark": "load", "machine": machine_info(), "events": args.events, "repeat": args.repeat,
        "goals": {"time_ratio": TIME_GOAL, "rss_ratio": RSS_GOAL}, "results": rows}, table)


if __name__ == "__main__":
    main()
