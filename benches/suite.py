"""The benchmark suite: load, precompute, per-call NLL, fit and peak memory, side by side with laddu.

Usage::

    python benches/suite.py [--sizes 10000 100000 1000000] [--models kmatrix bw_zlm]
                            [--backends numpy numba] [--no-laddu] [--quick] [--out benches/results]

For each model (``kmatrix``: :func:`gpu_laddu.canonical.kmatrix_benchmark_model`, 34 free
parameters; ``bw_zlm``: :func:`gpu_laddu.canonical.bw_zlm_model`, 5) and each size N, the suite
generates seeded γp → K_S K_S p events: N data events (phase space, each weighted by the model's
intensity at ``truth`` over its mean, so that fits have a physical minimum at the truth without
an accept/reject loop) and 2N accepted-MC events (phase space), written to Parquet files in a
private temporary folder.  Then, each configuration in a fresh process:

* **gpu_laddu**, per backend: ``gl.read_parquet`` of both files (and ``pyarrow.parquet.read_table``
  of the same files, for the ratio), ``gl.NLL`` construction (precompute), the first call,
  per-call ``value`` and ``value_and_gradient`` (fastest of repeated calls), a Migrad fit from
  the model's ``start`` (skipped when twice the expected calls × the per-call time exceed the
  fit budget; the expected calls are those of the same model's fit at the previous size), and the
  peak resident memory (``VmHWM``, see :mod:`benches.common`) of the process up to the end of
  the fit;
* **an expert JAX likelihood** (when JAX is installed, :mod:`benches.jax_peer`): ``jit(value_and_grad)``
  over the numba backend's cache columns of the same files (and its normalisation integrals), float64,
  all cores; parity with gpu_laddu to 1e-9, its set-up (trace + XLA compile) as *setup*, then the same
  per-call timings;
* **laddu 0.28.1** (when installed, K-matrix up to 100k data events, BreitWigner × Zlm up to 1M):
  ``laddu.read_parquet`` of the same files, the same model built with ``tests/laddu_models.py``,
  a parity check — the NLL value and gradient at ``start`` must equal gpu_laddu's to a relative
  1e-9, else the suite stops — and then the same timings, and laddu's own ``Likelihood.fit``
  (L-BFGS-B, its defaults) from the same start under the same budget rule.

Every time is the fastest of repeated runs; ratios (gpu_laddu / laddu, gpu_laddu / pyarrow) come
from the same run.  The floor of a call is the cache bytes it reads (data cache columns and
weights, plus the accepted MC's when its term is an event loop rather than normalisation
integrals) over the memory bandwidth of a large numpy copy.

Results go to ``--out``: ``suite-<date>.json`` (machine, versions, every number),
``suite-<date>.md`` and ``suite-<date>.png`` (time per value+gradient call vs events), and
``latest.md`` (the table the README shows; not rewritten by ``--quick`` runs, which write
``suite-quick-<date>.*``).

From Python (``gpu-laddu bench`` calls :func:`main`)::

    from benches.suite import run_suite
    results = run_suite(sizes=(10_000,), models=("bw_zlm",), backends=("numba",))
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
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
    rel_diff,
    run_json_child,
    timed,
    write_results,
)

SUITE = Path(__file__).resolve()
MODELS = ("kmatrix", "bw_zlm")
BACKENDS = ("numpy", "numba")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000)
MC_FACTOR = 2
#: largest data size compared with laddu (its K-matrix set-up costs ~0.7 ms per event)
LADDU_MAX_EVENTS = {"kmatrix": 100_000, "bw_zlm": 1_000_000}
QUICK_LADDU_MAX_EVENTS = {"kmatrix": 2_000, "bw_zlm": 10_000}
FIT_BUDGET_S, QUICK_FIT_BUDGET_S = 90.0, 5.0
FIT_MARGIN = 2
PARITY_TOL = 1e-9
SEED = 2026
TITLES = {"kmatrix": "K-matrix benchmark model (Kopf f0+a0, f2+a2 K-matrices × Zlm)",
          "bw_zlm": "BreitWigner × Zlm (laddu's example_1)"}


def canonical(model: str) -> Any:
    """The :class:`gpu_laddu.canonical.CanonicalModel` named ``model``."""
    from gpu_laddu.canonical import bw_zlm_model, kmatrix_benchmark_model

    return {"kmatrix": kmatrix_benchmark_model, "bw_zlm": bw_zlm_model}[model]()


def expected_calls(n_params: int, library: str) -> int:
    """Calls a fit is expected to need before one has been measured (Migrad; laddu's L-BFGS-B)."""
    return (20 if library == "gpu_laddu" else 30) * n_params + 50


# -- child processes ------------------------------------------------------------------------------
def child_generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Write the weighted data file (and the MC and warm-up files if missing); return timings."""
    import numpy as np

    import gpu_laddu as gl
    from gpu_laddu.generate import generate_kskp, generate_kskp_mc

    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    out: dict[str, Any] = {}
    if not Path(spec["mc_path"]).exists():
        mc, out["mc_generate_s"] = timed(lambda: generate_kskp_mc(spec["n_mc"], seed=SEED, ctx=ctx))
        gl.write_parquet(mc, spec["mc_path"])
    data, out["phase_space_s"] = timed(lambda: generate_kskp(spec["n_data"], seed=SEED, ctx=ctx))
    cm = canonical(spec["model"])

    def weights() -> Any:
        intensity = ctx.to_numpy(cm.model.load(data).evaluate(cm.truth)).real
        return intensity / intensity.mean()

    w, out["weights_s"] = timed(weights)
    out["effective_events"] = float(w.sum() ** 2 / (w * w).sum())
    p4s = {name: np.column_stack([ctx.to_numpy(c) for c in data.p4(name)]) for name in data.p4_names}
    scalars = {name: ctx.to_numpy(data.scalar(name)) for name in data.scalar_names}
    gl.write_parquet(gl.from_numpy(p4s=p4s, scalars=scalars, weights=w, ctx=ctx), spec["data_path"])
    if not Path(spec["warm_path"]).exists():
        gl.write_parquet(gl.from_numpy(p4s={k: v[:8] for k, v in p4s.items()},
                                       scalars={k: v[:8] for k, v in scalars.items()}, weights=w[:8], ctx=ctx),
                         spec["warm_path"])
    out["data_file_bytes"] = Path(spec["data_path"]).stat().st_size
    out["mc_file_bytes"] = Path(spec["mc_path"]).stat().st_size
    return out


def _skip_fit(n_calls: int, per_call: float, budget: float) -> str | None:
    """Why a fit is skipped: twice the expected calls × the best per-call time exceed the budget.

    The factor 2 covers fits that need more calls than the previous size's (the K-matrix fit
    does) and calls slower than the best one.
    """
    estimate = FIT_MARGIN * n_calls * per_call
    if estimate <= budget:
        return None
    return f"{FIT_MARGIN} × ~{n_calls} calls × {fmt_time(per_call)} ≈ {estimate:.0f} s > {budget:.0f} s budget"


def child_gpu_laddu(spec: dict[str, Any]) -> dict[str, Any]:
    """Load, precompute, per-call timings, fit and peak memory of one gpu_laddu backend."""
    import pyarrow.parquet as pq

    import gpu_laddu as gl

    cm = canonical(spec["model"])
    p = [cm.start[name] for name in cm.model.parameters]
    d_path, m_path = spec["data_path"], spec["mc_path"]
    ctx = gl.ExecutionContext(device="cpu", backend=spec["backend"])
    pq.read_table(spec["warm_path"])
    gl.read_parquet(spec["warm_path"], ctx=ctx)  # Arrow's lazily loaded code
    baseline = peak_rss_bytes()

    def load() -> tuple[Any, Any]:
        return gl.read_parquet(d_path, ctx=ctx), gl.read_parquet(m_path, ctx=ctx)

    (data, mc), load_s = timed(load)
    nll, precompute_s = timed(lambda: gl.NLL(cm.model, data, mc))
    (value, grad), first_s = timed(lambda: nll.value_and_gradient(p))
    value_s, vg_s = best_of(lambda: nll.value(p), lambda: nll.value_and_gradient(p), min_time=spec["min_time"])
    fit: dict[str, Any]
    skip = _skip_fit(spec["expected_calls"], vg_s, spec["fit_budget_s"])
    if skip:
        fit = {"skipped": skip}
    else:
        result, wall = timed(lambda: nll.fit(initial=cm.start, method="migrad", progress=False))
        fit = {"wall_s": wall, "calls": result.n_calls, "fval": result.fval, "converged": result.converged,
               "message": result.message}
    peak = peak_rss_bytes()
    # Again in the now warm process (Numba initialised, the model's call graph compiled): the cost
    # of loading another sample, without Numba's one-time start-up (~0.5 s, mostly its extensions).
    _, precompute_warm_s = timed(lambda: gl.NLL(cm.model, data, mc))
    pyarrow_s, gl_s = best_of(lambda: (pq.read_table(d_path), pq.read_table(m_path)), load, min_time=0.0,
                              min_calls=2)
    mc_loop = nll.mc_method == "events"
    n_data, n_mc = data.n_events, mc.n_events
    data_bytes = nll.data_evaluator.cache_nbytes + 8 * n_data
    mc_bytes = nll.mc_evaluator.cache_nbytes + 8 * n_mc
    return {
        "library": "gpu_laddu", "backend": spec["backend"], "threads": ctx.threads,
        "n_params": len(cm.model.parameters), "mc_method": nll.mc_method,
        "load_s": min(load_s, gl_s), "pyarrow_load_s": pyarrow_s, "precompute_s": precompute_s,
        "precompute_warm_s": precompute_warm_s, "first_call_s": first_s, "value_s": value_s, "value_grad_s": vg_s,
        "cache_bytes_per_event": nll.data_evaluator.cache_nbytes / n_data,
        "bytes_per_call": data_bytes + (mc_bytes if mc_loop else 0),
        "nll": value, "gradient": [float(x) for x in grad], "fit": fit,
        "baseline_rss_bytes": baseline, "peak_rss_bytes": peak,
    }


def child_laddu(spec: dict[str, Any]) -> dict[str, Any]:
    """laddu 0.28.1 on the same files: parity check first, then the same measurements."""
    import laddu

    from tests.laddu_models import LADDU_MODELS, laddu_likelihood

    cm = canonical(spec["model"])
    names = list(cm.model.parameters)
    p = [cm.start[name] for name in names]
    d_path, m_path = spec["data_path"], spec["mc_path"]

    def read(path: str) -> Any:
        ds = laddu.read_parquet(path, cache="resident")
        len(ds)
        return ds

    read(spec["warm_path"])
    baseline = peak_rss_bytes()
    (data, mc), load_s = timed(lambda: (read(d_path), read(m_path)))
    lik, setup_s = timed(lambda: laddu_likelihood(LADDU_MODELS[spec["model"]](), data, mc))
    if list(lik.parameter_names) != names:
        raise RuntimeError(f"laddu's parameters {list(lik.parameter_names)} differ from gpu_laddu's {names}")
    (value, grad), first_s = timed(lambda: lik.value_and_gradient(p))
    value_rel = abs(value - spec["nll"]) / abs(spec["nll"])
    grad_rel = rel_diff(spec["gradient"], grad)
    if not (value_rel <= PARITY_TOL and grad_rel <= PARITY_TOL):
        raise RuntimeError(
            f"PARITY FAILURE ({spec['model']}, {spec['n_data']} events): laddu NLL {value!r} vs gpu_laddu "
            f"{spec['nll']!r} (rel {value_rel:.2e}), gradient rel {grad_rel:.2e} > {PARITY_TOL}")
    value_s, vg_s = best_of(lambda: lik.value(p), lambda: lik.value_and_gradient(p), min_time=spec["min_time"])
    fit: dict[str, Any]
    skip = _skip_fit(spec["expected_calls"], vg_s, spec["fit_budget_s"])
    if skip:
        fit = {"skipped": skip}
    else:
        result, wall = timed(lambda: lik.fit(p))
        diag = result.diagnostics
        fit = {"wall_s": wall, "calls": int(diag["function_evaluations"]) + int(diag["gradient_evaluations"]),
               "function_evaluations": int(diag["function_evaluations"]),
               "gradient_evaluations": int(diag["gradient_evaluations"]), "fval": float(result.objective),
               "converged": bool(result.converged), "message": str(result.terminal_message)}
    return {
        "library": "laddu", "backend": f"laddu {laddu.__version__}", "threads": os.cpu_count(),
        "n_params": len(names), "load_s": load_s, "precompute_s": setup_s, "first_call_s": first_s,
        "value_s": value_s, "value_grad_s": vg_s, "parity": {"value_rel": value_rel, "gradient_rel": grad_rel},
        "nll": float(value), "fit": fit, "baseline_rss_bytes": baseline, "peak_rss_bytes": peak_rss_bytes(),
    }


def child_jax(spec: dict[str, Any]) -> dict[str, Any]:
    """The expert-JAX peer (:mod:`benches.jax_peer`) over the cache columns of gpu_laddu's numba NLL of
    the same files: parity check against gpu_laddu's numbers, then the same per-call timings."""
    from benches import jax_peer

    jax_peer.configure(os.cpu_count())
    import jax

    import gpu_laddu as gl

    cm = canonical(spec["model"])
    p = [cm.start[name] for name in cm.model.parameters]
    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    baseline = peak_rss_bytes()
    (data, mc), load_s = timed(lambda: (gl.read_parquet(spec["data_path"], ctx=ctx),
                                        gl.read_parquet(spec["mc_path"], ctx=ctx)))
    nll = gl.NLL(cm.model, data, mc)
    peer, setup_s = timed(lambda: jax_peer.JaxNLL(nll))
    compile_s = peer.compile(p)
    value, grad = peer.value_and_gradient(p)
    value_rel, grad_rel = abs(value - spec["nll"]) / abs(spec["nll"]), rel_diff(grad, spec["gradient"])
    if not (value_rel <= PARITY_TOL and grad_rel <= PARITY_TOL):
        raise RuntimeError(f"PARITY FAILURE ({spec['model']}, {spec['n_data']} events): JAX NLL {value!r} vs "
                           f"gpu_laddu {spec['nll']!r} (rel {value_rel:.2e}), gradient rel {grad_rel:.2e}")
    value_s, vg_s = best_of(lambda: peer.value(p), lambda: peer.value_and_gradient(p), min_time=spec["min_time"])
    return {
        "library": "jax", "backend": f"jax {jax.__version__} ({peer.device})", "threads": os.cpu_count(),
        "n_params": len(p), "load_s": load_s, "precompute_s": setup_s, "first_call_s": compile_s,
        "value_s": value_s, "value_grad_s": vg_s, "parity": {"value_rel": value_rel, "gradient_rel": grad_rel},
        "nll": value, "fit": {"skipped": "JAX peer: per-call timings only"}, "baseline_rss_bytes": baseline,
        "peak_rss_bytes": peak_rss_bytes(),
    }


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "generate": child_generate, "gpu_laddu": child_gpu_laddu, "laddu": child_laddu, "jax": child_jax,
}


def _child(kind: str, spec: dict[str, Any], timeout: float = 3600.0) -> dict[str, Any]:
    return run_json_child([str(SUITE), "--child", kind, json.dumps(spec)], timeout=timeout)


# -- the suite --------------------------------------------------------------------------------------
def run_suite(
    sizes: Sequence[int] = DEFAULT_SIZES,
    models: Sequence[str] = MODELS,
    backends: Sequence[str] = BACKENDS,
    *,
    laddu: bool | None = None,
    jax: bool | None = None,
    quick: bool = False,
    fit_budget_s: float | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the suite and return its results (nothing is written; see :func:`write_suite`).

    Parameters
    ----------
    sizes : data events per configuration (accepted MC: twice as many)
    models : names among ``"kmatrix"``, ``"bw_zlm"``
    backends : gpu_laddu backends among ``"numpy"``, ``"numba"``
    laddu : compare with laddu 0.28.1 (default: when it is installed)
    jax : compare with the expert-JAX peer on the numba backend's cache (default: when JAX and numba
        are installed)
    quick : shorter timing loops, a 5 s fit budget and small laddu K-matrix sizes
    fit_budget_s : skip a fit expected to take longer (default 90 s, 5 s with ``quick``)
    log : progress messages
    """
    unknown = sorted(set(models) - set(MODELS)) + sorted(set(backends) - set(BACKENDS))
    if unknown or not backends:
        raise ValueError(f"unknown model/backend {unknown}; models: {MODELS}, backends: {BACKENDS} (at least one)")
    if laddu is None:
        laddu = importlib.util.find_spec("laddu") is not None
    if jax is None:
        jax = importlib.util.find_spec("jax") is not None and "numba" in backends
    budget = fit_budget_s if fit_budget_s is not None else (QUICK_FIT_BUDGET_S if quick else FIT_BUDGET_S)
    laddu_max = QUICK_LADDU_MAX_EVENTS if quick else LADDU_MAX_EVENTS
    min_time = 0.2 if quick else 1.0
    bandwidth = copy_bandwidth()
    log(f"memory bandwidth (numpy copy, read + write): {bandwidth / 1e9:.1f} GB/s")
    records: list[dict[str, Any]] = []
    generation: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gpu_laddu_suite_") as tmp:
        warm_path = str(Path(tmp) / "warm_up.parquet")
        for model in models:
            n_params = len(canonical(model).model.parameters)
            calls = {"gpu_laddu": expected_calls(n_params, "gpu_laddu"), "laddu": expected_calls(n_params, "laddu")}
            for n_data in sorted(sizes):
                n_mc = MC_FACTOR * n_data
                base: dict[str, Any] = {"model": model, "n_data": n_data, "n_mc": n_mc, "warm_path": warm_path,
                                        "data_path": str(Path(tmp) / f"data_{model}_{n_data}.parquet"),
                                        "mc_path": str(Path(tmp) / f"mc_{n_mc}.parquet"), "min_time": min_time,
                                        "fit_budget_s": budget}
                gen = _child("generate", base)
                generation.append({"model": model, "n_data": n_data, "n_mc": n_mc, **gen})
                log(f"{model} {n_data:>9,} data + {n_mc:,} MC: generated "
                    f"(weights {gen['weights_s']:.1f} s, effective events {gen['effective_events']:,.0f})")
                ours = []
                for backend in backends:
                    rec = _child("gpu_laddu", {**base, "backend": backend, "expected_calls": calls["gpu_laddu"]})
                    rec.update(model=model, n_data=n_data, n_mc=n_mc, floor_s=rec["bytes_per_call"] / bandwidth)
                    ours.append(rec)
                    log(_line(rec))
                _check_backends(ours)
                calls["gpu_laddu"] = _fit_calls(ours, calls["gpu_laddu"])
                records += ours
                if jax:
                    ref = ours[-1]
                    rec = _child("jax", {**base, "nll": ref["nll"], "gradient": ref["gradient"]})
                    rec.update(model=model, n_data=n_data, n_mc=n_mc)
                    records.append(rec)
                    log(_line(rec))
                if laddu and n_data <= laddu_max[model]:
                    ref = ours[-1]
                    rec = _child("laddu", {**base, "nll": ref["nll"], "gradient": ref["gradient"],
                                           "expected_calls": calls["laddu"]})
                    rec.update(model=model, n_data=n_data, n_mc=n_mc)
                    records.append(rec)
                    calls["laddu"] = _fit_calls([rec], calls["laddu"])
                    log(_line(rec))
                os.remove(base["data_path"])
    return {
        "benchmark": "suite", "machine": machine_info(),
        "settings": {"sizes": sorted(sizes), "models": list(models), "backends": list(backends),
                     "laddu": laddu, "jax": jax, "quick": quick, "fit_budget_s": budget, "mc_factor": MC_FACTOR,
                     "laddu_max_events": laddu_max, "seed": SEED,
                     "data": "phase-space events weighted by the model intensity at `truth` / its mean",
                     "peak_memory": "VmHWM of a fresh process per configuration, at the end of the fit"},
        "memory_bandwidth_Bps": bandwidth, "generation": generation, "results": records,
    }


def _check_backends(records: list[dict[str, Any]]) -> None:
    ref = records[0]
    for rec in records[1:]:
        diff = max(abs(rec["nll"] - ref["nll"]) / abs(ref["nll"]), rel_diff(rec["gradient"], ref["gradient"]))
        if diff > PARITY_TOL:
            raise RuntimeError(f"backends {ref['backend']} and {rec['backend']} disagree (rel {diff:.2e})")


def _fit_calls(records: list[dict[str, Any]], default: int) -> int:
    done = [r["fit"]["calls"] for r in records if "calls" in r["fit"]]
    return max(done) if done else default


def _line(rec: dict[str, Any]) -> str:
    fit = rec["fit"]
    fit_text = (f"fit {fit['wall_s']:.2f} s ({fit['calls']} calls)" if "wall_s" in fit else "fit skipped")
    return (f"  {rec['backend']:<13} load {fmt_time(rec['load_s'])}, precompute {fmt_time(rec['precompute_s'])}, "
            f"value {fmt_time(rec['value_s'])}, value+grad {fmt_time(rec['value_grad_s'])}, {fit_text}, "
            f"peak RSS {fmt_bytes(rec['peak_rss_bytes'])}")


# -- reports ----------------------------------------------------------------------------------------
def _laddu_of(results: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any] | None:
    for other in results["results"]:
        if other["library"] == "laddu" and other["model"] == rec["model"] and other["n_data"] == rec["n_data"]:
            return other
    return None


def _ratio(a: float, b: float | None) -> str:
    return "—" if b is None else f"{a / b:.2g}×"


def _precompute_cell(rec: dict[str, Any], ref: dict[str, Any] | None) -> str:
    if "precompute_warm_s" not in rec:
        return fmt_time(rec["precompute_s"])
    cold, warm = rec["precompute_s"], rec["precompute_warm_s"]
    if ref is None:
        return f"{fmt_time(cold)}, {fmt_time(warm)}"
    base = ref["precompute_s"]
    return f"{fmt_time(cold)} ({_ratio(cold, base)}), {fmt_time(warm)} ({_ratio(warm, base)})"


def _fit_cell(fit: dict[str, Any]) -> str:
    if "wall_s" not in fit:
        return "skipped"
    calls = (f"{fit['function_evaluations']} f + {fit['gradient_evaluations']} ∇f"
             if "function_evaluations" in fit else f"{fit['calls']} calls")
    return f"{fmt_time(fit['wall_s'])} ({calls}){'' if fit['converged'] else ' not converged'}"


def render_markdown(results: dict[str, Any]) -> str:
    """The suite's tables (per model: one row per size and library/backend; then the fits)."""
    m = results["machine"]
    bw = results["memory_bandwidth_Bps"]
    v = m["versions"]
    lines = [
        f"# gpu_laddu benchmark suite — {m['date'][:10]}", "",
        f"{m['cpu']}, {m['logical_cores']} logical cores, {fmt_bytes(m['memory_total_bytes'])}; "
        f"memory bandwidth (numpy copy, read + write) {bw / 1e9:.1f} GB/s; gpu_laddu {v.get('gpu_laddu')}, "
        f"numpy {v.get('numpy')}, numba {v.get('numba')}, laddu {v.get('laddu')}, python {v.get('python')}"
        f"{', commit ' + m['commit'][:10] if m.get('commit') else ''}"
        f"{' + uncommitted changes' if m.get('uncommitted_changes') else ''}.", "",
        f"Data: N phase-space events weighted by the model's intensity at its true parameters; accepted MC: "
        f"{results['settings']['mc_factor']}N phase-space events. Times are the fastest of repeated calls; "
        "*× laddu* is gpu_laddu's time / laddu's in the same run (below 1: gpu_laddu is faster). *floor* = cache "
        "bytes read per call / bandwidth. *precompute* = NLL construction, *cold* in a fresh process (with "
        "Numba's one-time start-up when the backend uses it), *warm* a second construction in the same process. "
        "*setup* = cold precompute + first call. Peak RSS: VmHWM "
        "of a fresh process per row, up to the end of the fit.",
    ]
    for model in results["settings"]["models"]:
        recs = [r for r in results["results"] if r["model"] == model]
        if not recs:
            continue
        first = next(r for r in recs if r["library"] == "gpu_laddu")
        mc_term = "normalisation integrals" if first["mc_method"] == "integrals" else "event loop"
        lines += ["", f"## {TITLES[model]}", "",
                  f"{first['n_params']} free parameters; {first['cache_bytes_per_event']:.0f} cache bytes per event; "
                  f"accepted-MC term: {mc_term}.", ""]
        rows = []
        for r in recs:
            ref = _laddu_of(results, r) if r["library"] == "gpu_laddu" else None
            setup = r["precompute_s"] + r["first_call_s"]
            ref_setup = None if ref is None else ref["precompute_s"] + ref["first_call_s"]
            ours = r["library"] == "gpu_laddu"
            rows.append([
                f"{r['n_data']:,} + {r['n_mc']:,}", r["backend"] if not ours else f"gpu_laddu {r['backend']}",
                fmt_time(r["load_s"]) + (f" ({_ratio(r['load_s'], r['pyarrow_load_s'])} pyarrow)" if ours else ""),
                _precompute_cell(r, ref),
                fmt_time(setup) + (f" ({_ratio(setup, ref_setup)})" if ref else ""),
                fmt_time(r["value_s"]) + (f" ({_ratio(r['value_s'], ref['value_s'])})" if ref else ""),
                fmt_time(r["value_grad_s"]) + (f" ({_ratio(r['value_grad_s'], ref['value_grad_s'])})" if ref else ""),
                f"{fmt_time(r['floor_s'])} ({r['value_grad_s'] / r['floor_s']:.2g}×)" if ours else "—",
                _fit_cell(r["fit"]), fmt_bytes(r["peak_rss_bytes"]),
            ])
        lines.append(md_table(["data + MC events", "library", "load", "precompute: cold, warm (× laddu)",
                               "setup (× laddu)", "value (× laddu)",
                               "value+gradient (× laddu)", "floor (v+g / floor)", "fit: wall (calls)", "peak RSS"],
                              rows))
    fits = []
    for r in results["results"]:
        ref = _laddu_of(results, r) if r["library"] == "gpu_laddu" else None
        if ref is not None and "fval" in r["fit"] and "fval" in ref["fit"]:
            fits.append((r, ref))
    if fits:
        lines += ["", "## Fits from the same start: minimum reached", "",
                  md_table(["model", "data events", "gpu_laddu (Migrad + Hesse)", "fval", "laddu (L-BFGS-B)", "fval",
                            "fval gpu_laddu − laddu"],
                           [[r["model"], f"{r['n_data']:,}", f"{r['backend']}: {_fit_cell(r['fit'])}",
                             f"{r['fit']['fval']:.6f}", _fit_cell(ref["fit"]), f"{ref['fit']['fval']:.6f}",
                             f"{r['fit']['fval'] - ref['fit']['fval']:+.2e}"] for r, ref in fits])]
    skipped = sorted({f"{r['backend']} {r['model']} {r['n_data']:,}: {r['fit']['skipped']}"
                      for r in results["results"] if "skipped" in r["fit"] and r["library"] != "jax"})
    if skipped:
        lines += ["", "Fits not run (estimated time over the budget): " + "; ".join(skipped) + "."]
    if any(r["model"] == "kmatrix" for r in results["results"]):
        lines += ["", "The K-matrix benchmark model (as in laddu) fixes no overall scale, to which the shape-only "
                  "NLL is blind: its Hessian is singular along that direction, so Migrad reports the covariance as "
                  "forced positive definite and needs many calls."]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> Path | None:
    """Time per value+gradient call vs data events, log-log, one panel per model (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    models = [m for m in results["settings"]["models"] if any(r["model"] == m for r in results["results"])]
    fig, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4.2), squeeze=False)
    for ax, model in zip(axes[0], models):
        recs = [r for r in results["results"] if r["model"] == model]
        for label in dict.fromkeys(r["backend"] for r in recs):
            line = sorted((r["n_data"], r["value_grad_s"]) for r in recs if r["backend"] == label)
            name = label if label.startswith("laddu") else f"gpu_laddu {label}"
            ax.plot(*zip(*line), marker="o", label=name)
        floor = sorted({(r["n_data"], r["floor_s"]) for r in recs if r["library"] == "gpu_laddu"})
        ax.plot(*zip(*floor), "k--", lw=1, label="floor (cache bytes / bandwidth)")
        ax.set(xscale="log", yscale="log", title=TITLES[model], xlabel="data events (accepted MC: 2×)",
               ylabel="seconds per NLL value + gradient")
        ax.title.set_fontsize(9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_suite(results: dict[str, Any], out: Path) -> list[Path]:
    """Write the JSON, markdown and plot of ``results`` (and ``latest.md`` unless quick) into ``out``."""
    stem = f"suite{'-quick' if results['settings']['quick'] else ''}-{results['machine']['date'][:10]}"
    markdown = render_markdown(results)
    out.mkdir(parents=True, exist_ok=True)
    png = plot(results, out / f"{stem}.png")
    if png is not None:
        markdown += f"\n![time per value+gradient call]({png.name})\n"
    paths = [*write_results(out, stem, results, markdown)]
    if png is not None:
        paths.append(png)
    if not results["settings"]["quick"]:
        (out / "latest.md").write_text(markdown)
        paths.append(out / "latest.md")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the suite (also ``gpu-laddu bench``)."""
    parser = argparse.ArgumentParser(prog="gpu-laddu bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="data events (default 10000 100000 "
                        "1000000; --quick: 2000 10000)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=None,
                        help="default: numpy and, when installed, numba")
    parser.add_argument("--no-laddu", action="store_true", help="skip the comparison with laddu 0.28.1")
    parser.add_argument("--no-jax", action="store_true", help="skip the expert-JAX peer (run when JAX is installed)")
    parser.add_argument("--quick", action="store_true", help="small sizes, short timing loops (~1 minute)")
    parser.add_argument("--fit-budget", type=float, default=None, help="seconds; longer fits are skipped")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        emit_json(CHILDREN[args.child[0]](json.loads(args.child[1])))
        return 0
    backends = args.backends or [b for b in BACKENDS if b == "numpy" or importlib.util.find_spec(b) is not None]
    start = dt.datetime.now()
    results = run_suite(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES), args.models, backends,
                        laddu=False if args.no_laddu else None, jax=False if args.no_jax else None,
                        quick=args.quick, fit_budget_s=args.fit_budget)
    results["wall_s"] = (dt.datetime.now() - start).total_seconds()
    paths = write_suite(results, args.out)
    print(render_markdown(results))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
