"""Helpers shared by the benchmarks: timing, memory bandwidth, peak memory, subprocesses, reports.

Timings are the fastest of repeated calls (on a shared machine other processes only ever add
time); ratios are only formed between numbers measured in the same run.  Peak memory is the
peak resident set of a process since it started (``VmHWM`` of ``/proc/self/status``): a fresh
subprocess per configuration keeps configurations apart.  ``ru_maxrss`` is not used where
``VmHWM`` exists, because on Linux a child carries its parent's ``ru_maxrss`` over ``exec``.

Examples
--------
>>> fastest, = best_of(lambda: sum(range(100)), min_time=0.0, min_calls=2)
>>> fastest > 0
True
>>> fmt_time(0.00123)
'1.23 ms'
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: packages whose versions every result file records (absent ones are recorded as None)
PACKAGES = ("gpu_laddu", "numpy", "numba", "pyarrow", "iminuit", "scipy", "laddu", "mpi4py", "cupy-cuda13x", "jax")


def best_of(*fns: Callable[[], Any], min_time: float = 1.0, min_calls: int = 3, max_calls: int = 200
            ) -> list[float]:
    """Fastest seconds per call of each function, the functions called in turn.

    Each function is called once untimed (warm-up), then all are called round-robin until
    every one has run ``min_calls`` times and ``min_time`` seconds have passed (at most
    ``max_calls`` rounds), so all of them see the same background load.
    """
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    start, rounds = time.perf_counter(), 0
    while rounds < min_calls or (time.perf_counter() - start < min_time and rounds < max_calls):
        for k, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t)
        rounds += 1
    return best


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()`` and its wall time in seconds."""
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def copy_bandwidth(nbytes: int = 1 << 28) -> float:
    """Memory traffic of a large numpy copy in bytes per second (read + write counted, one core)."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    (t,) = best_of(lambda: np.copyto(dst, src), min_time=0.5)
    return 2.0 * src.nbytes / t


def peak_rss_bytes() -> int:
    """Peak resident set of this process since it started (``VmHWM``; ``ru_maxrss`` elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``, else ``platform.processor()``)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_total_bytes() -> int | None:
    """Physical memory of the machine (``/proc/meminfo``), None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``packages`` (None for those not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """The checked-out commit of this repository (None outside a git checkout)."""
    try:
        res = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    return res.stdout.strip() or None


def uncommitted_changes() -> bool | None:
    """Whether the working tree differs from the checked-out commit (None outside a git checkout)."""
    try:
        res = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(res.stdout.strip()) if res.returncode == 0 else None


def machine_info() -> dict[str, Any]:
    """Date, CPU model, cores, memory, OS, package versions and commit, for a result file."""
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "memory_total_bytes": memory_total_bytes(),
        "platform": platform.platform(),
        "versions": versions(),
        "commit": git_commit(),
        "uncommitted_changes": uncommitted_changes(),
    }


def run_json_child(args: Sequence[str], *, timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python *args`` and return the JSON object printed on the last line of its stdout.

    A non-zero exit raises :class:`RuntimeError` with the end of the child's stderr, so that a
    failing configuration (or a parity check) stops the benchmark loudly.
    """
    res = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                         env=env if env is not None else os.environ.copy())
    if res.returncode != 0:
        raise RuntimeError(f"benchmark child {' '.join(args[:3])} ... failed (exit {res.returncode}):\n"
                           f"{res.stderr[-4000:]}")
    lines = res.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"benchmark child {' '.join(args[:3])} ... printed nothing")
    return dict(json.loads(lines[-1]))


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one JSON line (the result of a child process, see :func:`run_json_child`)."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def rel_diff(a: Any, b: Any) -> float:
    """‖a − b‖∞ / ‖b‖∞ (the project's tolerance convention)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def fmt_time(seconds: float | None) -> str:
    """Seconds with a readable unit (µs, ms, s)."""
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_bytes(n: float | None) -> str:
    """Bytes in MiB or GiB."""
    if n is None:
        return "—"
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(out: Path, stem: str, results: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` into ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    md_path.write_text(markdown.rstrip() + "\n")
    return json_path, md_path
