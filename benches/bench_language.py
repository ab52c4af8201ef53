"""The model language against the built-in constructors and laddu 0.28.1, on the same events.

Usage::

    python benches/bench_language.py [--events 100000] [--backend numba] [--no-laddu] [--out benches/results]

Models (each built three ways on the same N data + 2N accepted-MC events, γp → K_S K_S p):

* ``kmatrix`` — laddu's K-matrix benchmark model (34 free parameters), and ``bw_zlm`` — its
  example_1 (5), as **laddu 0.28.1 scripts** (``tests/laddu_models.py``: ``Channel`` frames,
  ``spherical_harmonic``, ``cis``, ``complex``, ``relativistic_breit_wigner``,
  ``blatt_weisskopf_barriers``, ``k_matrix``, ``p_vector``, ``chew_mandelstam``, ``f_vector``)
  run once with laddu and once with ``gpu_laddu`` as ``ld`` (only the import changed), and with
  gpu_laddu's built-in constructors (:mod:`gpu_laddu.canonical`).
* ``free masses`` — an a0 K-matrix whose first pole mass is free plus a Breit–Wigner with a free
  mass and width, written in the language: a complex solve per event inside the fused kernel.
  Its analytic gradient is compared with central finite differences, and a Migrad fit runs.

Reported: NLL construction (precompute; *warm*: a second construction in the same process),
value and value+gradient per call (fastest of repeated calls), the ratio language / built-in
and, in the same run, laddu's times.  The NLL values of the three builds must agree to 1e-9.
Results: ``bench_language.json`` and ``bench_language.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.common import best_of, fmt_time, machine_info, md_table, rel_diff, write_results  # noqa: E402


def _events(n: int, backend: str) -> tuple[Any, Any, Any]:
    import gpu_laddu as gl

    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    return ctx, gl.generate_kskp(n, seed=1, ctx=ctx), gl.generate_kskp_mc(2 * n, seed=2, ctx=ctx)


def _timed_nll(model: Any, data: Any, mc: Any) -> tuple[Any, float, float]:
    import gpu_laddu as gl

    t = time.perf_counter()
    gl.NLL(model, data, mc)
    first = time.perf_counter() - t
    t = time.perf_counter()
    nll = gl.NLL(model, data, mc)
    return nll, first, time.perf_counter() - t


def _per_call(nll: Any, p: Any) -> tuple[float, float]:
    value, both = best_of(lambda: nll.value(p), lambda: nll.value_and_gradient(p), min_time=1.0)
    return value, both


def _laddu_row(script: Any, data: Any, mc: Any, names: Sequence[str], p: dict[str, float]) -> dict[str, Any]:
    from tests.laddu_models import laddu_likelihood
    from tests.laddu_oracle import laddu_dataset

    ld_data, ld_mc = laddu_dataset(data), laddu_dataset(mc)
    t = time.perf_counter()
    likelihood = laddu_likelihood(script(), ld_data, ld_mc)
    setup = time.perf_counter() - t
    order = [p[n] for n in likelihood.parameter_names]
    value, both = best_of(lambda: likelihood.value(order), lambda: likelihood.value_and_gradient(order), min_time=1.0)
    return {"precompute_s": setup, "value_s": value, "value_gradient_s": both, "nll": float(likelihood.value(order))}


def bench_model(name: str, n: int, backend: str, with_laddu: bool) -> dict[str, Any]:
    """Built-in vs language (laddu's script with ``ld = gpu_laddu``) vs laddu for one model."""
    import gpu_laddu as gl
    from gpu_laddu.canonical import bw_zlm_model, kmatrix_benchmark_model
    from tests.laddu_models import LADDU_MODELS
    from tests.laddu_oracle import script_module

    cm = {"kmatrix": kmatrix_benchmark_model, "bw_zlm": bw_zlm_model}[name]()
    ctx, data, mc = _events(n, backend)
    with script_module(gl):
        language = gl.Model(LADDU_MODELS[name]())
    rows: dict[str, Any] = {}
    values = {}
    for label, model in (("built-in", cm.model), ("language", language)):
        nll, first, warm = _timed_nll(model, data, mc)
        p = {k: cm.start[k] for k in nll.parameters}
        value, both = _per_call(nll, p)
        values[label] = nll.value(p)
        rows[label] = {"precompute_first_s": first, "precompute_s": warm, "value_s": value, "value_gradient_s": both,
                       "cache_columns": len(nll.data_evaluator.cache), "nll": values[label]}
    if rel_diff(values["language"], values["built-in"]) > 1e-9:
        raise SystemExit(f"{name}: the language NLL {values['language']} differs from the built-in "
                         f"{values['built-in']}")
    if with_laddu:
        rows["laddu 0.28.1"] = _laddu_row(LADDU_MODELS[name], data, mc, cm.model.parameters, cm.start)
        if rel_diff(rows["laddu 0.28.1"]["nll"], values["built-in"]) > 1e-9:
            raise SystemExit(f"{name}: laddu's NLL {rows['laddu 0.28.1']['nll']} differs from gpu_laddu's")
    return {"model": name, "events": n, "backend": backend, "rows": rows}


def free_masses_model() -> Any:
    """a0 K-matrix (pole 0 mass free) + a Breit–Wigner with free mass and width, in the language."""
    import gpu_laddu as gl
    from gpu_laddu.amplitudes.kmatrix_data import FAMILIES

    fam = FAMILIES["a0"]
    s = (gl.Vec4.event("kshort1") + gl.Vec4.event("kshort2")).m2()
    poles = gl.vector([gl.parameter("a0 mass", initial=0.96, bounds=(0.9, 1.05)), fam.pole_masses[1]])
    m1 = gl.vector([a for a, _ in fam.channel_masses])
    m2 = gl.vector([b for _, b in fam.channel_masses])
    barriers = gl.blatt_weisskopf_barriers(s, channel_mass_1=m1, channel_mass_2=m2, pole_masses=poles, l=fam.l)
    g = gl.matrix([list(r) for r in fam.couplings])
    k = gl.k_matrix(s, pole_masses=poles, couplings=g, barriers=barriers)
    p = gl.p_vector(s, pole_masses=poles, production=gl.vector([1.0, gl.cparameter("a0 beta1", initial=(0.5, 0.2))]),
                    couplings=g, barriers=barriers)
    cm = gl.vector([gl.chew_mandelstam(s, mass1=a, mass2=b) for a, b in fam.channel_masses])
    a0 = gl.f_vector(s, pole_masses=poles, k=k, p=p, phase_space=cm)[fam.channel_index("kkbar")]
    bw = gl.relativistic_breit_wigner(s, mass=gl.parameter("f0 mass", initial=1.5, bounds=(1.3, 1.7)),
                                      width=gl.parameter("f0 width", initial=0.11, bounds=(0.02, 0.4)),
                                      mass1=0.497611, mass2=0.497611, l=0)
    beta = gl.cparameter("f0 beta", initial=(0.6, 0.1))
    return gl.Model((a0 + beta * bw).norm_sqr())


def bench_free_masses(n: int, backend: str) -> dict[str, Any]:
    """Per-call time, gradient against central finite differences, and a Migrad fit."""
    import gpu_laddu as gl

    model = free_masses_model()
    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    truth = dict(zip(model.parameters, model.default_parameters))
    data = gl.generate_by_model(model, truth, n, seed=3, ctx=ctx, pilot_events=min(n, 50_000))
    mc = gl.generate_kskp_mc(2 * n, seed=4, ctx=ctx)
    nll, first, warm = _timed_nll(model, data, mc)
    start = {k: v * 1.03 for k, v in truth.items()}
    x = np.array([start[k] for k in nll.parameters])
    _, grad = nll.value_and_gradient(x)
    fd = np.empty_like(grad)
    for j in range(len(x)):
        h = np.zeros_like(x)
        h[j] = 1e-6 * max(1.0, abs(x[j]))
        fd[j] = (nll.value(x + h) - nll.value(x - h)) / (2 * h[j])
    value, both = _per_call(nll, x)
    t = time.perf_counter()
    fit = nll.fit(start, progress=False)
    wall = time.perf_counter() - t
    return {"events": n, "backend": backend, "parameters": list(nll.parameters), "precompute_s": warm,
            "value_s": value, "value_gradient_s": both, "gradient_vs_fd": rel_diff(grad, fd),
            "mc_method": nll.mc_method, "fit_wall_s": wall, "fit_calls": fit.n_calls, "fit_converged": fit.converged,
            "fit_values": dict(fit.values), "truth": truth}


def render(results: dict[str, Any]) -> str:
    """The markdown report."""
    lines = ["# The model language against the built-in constructors and laddu 0.28.1", "",
             f"{results['machine'].get('cpu', '')}; {results['date']}. Times: fastest of repeated calls; "
             "ratios are language / built-in in the same run (below 1: the language is faster).", ""]
    for rec in results["models"]:
        rows = rec["rows"]
        base = rows["built-in"]
        table = []
        for label, r in rows.items():
            cells = [fmt_time(r[key]) + (f" ({r[key] / base[key]:.2f}×)" if label == "language" else "")
                     for key in ("precompute_s", "value_s", "value_gradient_s")]
            table.append([label, *cells, str(r.get("cache_columns", "—"))])
        title = f"## {rec['model']}: {rec['events']:,} data + {2 * rec['events']:,} MC events, {rec['backend']}"
        lines += [title, "",
                  md_table(["build", "precompute (warm)", "value", "value+gradient", "cache columns"], table), ""]
    fm = results.get("free_masses")
    if fm:
        lines += [f"## Free K-matrix pole mass + free Breit–Wigner mass: {fm['events']:,} + {2 * fm['events']:,} "
                  f"events, {fm['backend']}", "",
                  f"- parameters: {', '.join(fm['parameters'])}; MC term: {fm['mc_method']}",
                  f"- value {fmt_time(fm['value_s'])}, value+gradient {fmt_time(fm['value_gradient_s'])} per call; "
                  f"precompute {fmt_time(fm['precompute_s'])}",
                  f"- analytic gradient vs central finite differences: {fm['gradient_vs_fd']:.1e} (relative)",
                  f"- Migrad: {fmt_time(fm['fit_wall_s'])}, {fm['fit_calls']} calls, "
                  f"converged={fm['fit_converged']}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--models", nargs="+", default=["kmatrix", "bw_zlm"])
    parser.add_argument("--no-laddu", action="store_true")
    parser.add_argument("--no-fit", action="store_true", help="skip the free-masses fit")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    args = parser.parse_args(argv)
    import datetime as dt

    results: dict[str, Any] = {"machine": machine_info(), "date": dt.date.today().isoformat(), "models": []}
    for name in args.models:
        results["models"].append(bench_model(name, args.events, args.backend, not args.no_laddu))
    if not args.no_fit:
        results["free_masses"] = bench_free_masses(args.events, args.backend)
    markdown = render(results)
    write_results(args.out, "bench_language", results, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
