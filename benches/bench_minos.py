"""Benchmark: MINOS errors of the 5-parameter BW×Zlm fit, and their agreement with iminuit's own.

Usage::

    python benches/bench_minos.py [--events 20000] [--backend numba] [--out benches/results]

* Data: ``--events`` events of :func:`gpu_laddu.canonical.bw_zlm_model` at its truth
  (``gl.generate_by_model``), accepted MC twice as many phase-space events; an ``ExtendedNLL``
  (all 5 parameters free: the S-wave coefficient carries the yield).
* gpu_laddu: ``nll.fit()`` (Migrad + Hesse with the analytic gradient) then ``result.minos()``
  on the kept ``Minuit`` object — wall time of each.
* iminuit's own: a fresh ``iminuit.Minuit`` on ``nll.value`` alone (numerical derivatives,
  ``errordef = 1``), Migrad then MINOS — wall time and the largest relative difference of the
  MINOS errors from gpu_laddu's.

Writes ``bench_minos.json`` and ``bench_minos.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.common import fmt_time, machine_info, md_table, timed, write_results  # noqa: E402


def run(n_events: int, backend: str) -> dict[str, Any]:
    from iminuit import Minuit

    import gpu_laddu as gl
    from gpu_laddu.canonical import bw_zlm_model

    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    cm = bw_zlm_model()
    mass = gl.Mass(["kshort1", "kshort2"])
    data = gl.generate_by_model(cm.model, cm.truth, n_events, seed=3, ctx=ctx, envelope_variable=mass, safety=1.5)
    mc = gl.generate_kskp_mc(2 * n_events, seed=4, ctx=ctx)
    nll = gl.ExtendedNLL(cm.model, data, mc)
    nll.value_and_gradient(cm.start)  # compile / warm up outside the timings
    result, fit_s = timed(lambda: nll.fit(initial=cm.start, progress=False))
    ours, minos_s = timed(lambda: result.minos())

    def theirs() -> Any:
        m = Minuit(nll.value, result.x, name=nll.parameters)
        m.errordef = Minuit.LEAST_SQUARES
        m.limits = [nll.parameter_specs()[n].bounds or (None, None) for n in nll.parameters]
        m.migrad()
        m.minos()
        return m

    m, own_s = timed(theirs)
    rel = {n: max(abs(ours[n][0] - m.merrors[n].lower) / abs(m.merrors[n].lower),
                  abs(ours[n][1] - m.merrors[n].upper) / abs(m.merrors[n].upper)) for n in nll.parameters}
    return {
        "n_data": data.n_events, "n_mc": mc.n_events, "backend": backend, "fit_s": fit_s, "minos_s": minos_s,
        "iminuit_own_s": own_s, "valid": bool(result.valid), "accurate": bool(result.accurate),
        "minos": {n: list(v) for n, v in ours.items()},
        "iminuit_minos": {n: [float(m.merrors[n].lower), float(m.merrors[n].upper)] for n in nll.parameters},
        "max_rel_diff": max(rel.values()), "rel_diff": rel,
    }


def markdown(r: dict[str, Any]) -> str:
    rows = [[n, f"{r['minos'][n][0]:+.5g} / {r['minos'][n][1]:+.5g}",
             f"{r['iminuit_minos'][n][0]:+.5g} / {r['iminuit_minos'][n][1]:+.5g}", f"{r['rel_diff'][n]:.1e}"]
            for n in r["minos"]]
    return "\n".join([
        f"# MINOS on the 5-parameter BW×Zlm ExtendedNLL ({r['n_data']} data + {r['n_mc']} MC, {r['backend']})", "",
        f"Migrad + Hesse (analytic gradient) {fmt_time(r['fit_s'])}; `result.minos()` on the kept Minuit "
        f"{fmt_time(r['minos_s'])}; iminuit's own (a fresh Minuit on the value only: Migrad + MINOS) "
        f"{fmt_time(r['iminuit_own_s'])}. Largest relative difference of the MINOS errors: "
        f"{r['max_rel_diff']:.1e}.", "",
        md_table(["parameter", "gpu_laddu minos (lower / upper)", "iminuit's own", "rel. diff"], rows), "",
        f"Machine: {r['machine'].get('cpu', 'CPU')}, shared; times are single runs.",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--backend", default="numba")
    ap.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    args = ap.parse_args(argv)
    record = run(args.events, args.backend)
    record["machine"] = machine_info()
    md = markdown(record)
    write_results(args.out, "bench_minos", record, md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
