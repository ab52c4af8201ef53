"""Cold first use of the K-matrix benchmark model: empty kernel caches, build + first call.

Usage::

    python benches/bench_cold.py [--events 100000] [--repeats 3] [--checkout DIR ...] [--out benches/results]

Each run is a fresh process with ``GPU_LADDU_CACHE_DIR`` and ``NUMBA_CACHE_DIR`` pointing to a new
empty folder (nothing compiled before, on the numba backend): the events are generated first
(not timed), then ``gl.NLL(model, data, mc)`` (N data, 2N accepted-MC events) and its first
``value_and_gradient`` are timed: wall time, and CPU time of the process and its children (the
background kernel compiles) — the CPU time is the robust number on a loaded machine.  Each
``--checkout`` (default: this one) is a gpu_laddu source tree run the same way, so that a
baseline commit (``git worktree add /tmp/base <commit>``) is measured in the same session.
Results: ``bench_cold.json`` and ``bench_cold.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.common import machine_info, md_table, write_results  # noqa: E402

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
import gpu_laddu as gl
from gpu_laddu.canonical import kmatrix_benchmark_model
from gpu_laddu.generate import generate_kskp, generate_kskp_mc
n = int(sys.argv[1])
host = gl.ExecutionContext(device="cpu", backend="numpy")
d, m = generate_kskp(n, seed=1, ctx=host), generate_kskp_mc(2 * n, seed=2, ctx=host)
def cols(ds):
    return ({k: np.column_stack(ds.p4(k)) for k in ds.p4_names}, {k: np.asarray(ds.scalar(k)) for k in ds.scalar_names})
cm = kmatrix_benchmark_model()
p = np.array([cm.start[k] for k in cm.model.parameters])
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
c0, t0 = cpu(), time.perf_counter()
ctx = gl.ExecutionContext(device="cpu", backend="numba")
data = gl.from_numpy(p4s=cols(d)[0], scalars=cols(d)[1], ctx=ctx)
mc = gl.from_numpy(p4s=cols(m)[0], scalars=cols(m)[1], ctx=ctx)
c1, t1 = cpu(), time.perf_counter()
nll = gl.NLL(cm.model, data, mc)
t2 = time.perf_counter()
value, _ = nll.value_and_gradient(p)
t3 = time.perf_counter()
c3 = cpu()
print(json.dumps({"build_s": t2 - t1, "first_call_s": t3 - t2, "cold_s": t3 - t1, "cpu_s": c3 - c1,
                  "value": value}))
"""


def cold_run(checkout: Path, events: int) -> dict[str, Any]:
    """One cold build + first call of ``checkout``'s gpu_laddu in a fresh process with empty caches."""
    with tempfile.TemporaryDirectory(prefix="gpu_laddu_cold_") as tmp:
        env = {**os.environ, "GPU_LADDU_CACHE_DIR": tmp, "NUMBA_CACHE_DIR": os.path.join(tmp, "numba_cache"),
               "PYTHONPATH": str(checkout)}
        res = subprocess.run([sys.executable, "-c", CHILD, str(events)], cwd=checkout, env=env,
                             capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"cold run of {checkout} failed:\n{res.stderr[-3000:]}")
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _commit(checkout: Path) -> str | None:
    res = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return res.stdout.strip() or None


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--checkout", type=Path, nargs="+", default=[ROOT])
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    args = parser.parse_args(argv)
    records = []
    for _ in range(args.repeats):  # alternate the checkouts: both see the same background load
        for checkout in args.checkout:
            rec = {"checkout": str(checkout), "commit": _commit(checkout), **cold_run(checkout, args.events)}
            records.append(rec)
            print(json.dumps(rec), flush=True)
    rows = []
    for checkout in args.checkout:
        mine = [r for r in records if r["checkout"] == str(checkout)]
        best = min(mine, key=lambda r: r["cold_s"])
        rows.append([f"{mine[0]['commit']}", f"{best['build_s']:.2f} s", f"{best['first_call_s']:.2f} s",
                     f"{best['cold_s']:.2f} s", f"{min(r['cpu_s'] for r in mine):.2f} s", str(len(mine))])
    results = {"benchmark": "bench_cold", "machine": machine_info(), "events": args.events, "results": records}
    m = results["machine"]
    markdown = "\n".join([
        f"# Cold first use of the K-matrix benchmark model — {m['date'][:10]}", "",
        f"{m['cpu']}, {m['logical_cores']} logical cores; {args.events:,} data + {2 * args.events:,} accepted-MC "
        "events, numba backend, empty kernel caches (GPU_LADDU_CACHE_DIR and NUMBA_CACHE_DIR fresh per run). "
        "Best of the runs (checkouts alternated); CPU = user + system of the process and its children.", "",
        md_table(["commit", "build (NLL)", "first call", "build + first call", "CPU time", "runs"], rows), ""])
    paths = write_results(args.out, "bench_cold", results, markdown)
    print(markdown)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
