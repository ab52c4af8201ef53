"""Benchmark: the named constructors as recipes over the language vs their former hand-built forms.

``BreitWigner`` is now ``relativistic_breit_wigner`` of the masses and ``Zlm`` is
``spherical_harmonic`` times laddu's polarisation weights (issue 12, item 3: at most 10 % more
per call and at most 2x the precompute).  This script rebuilds the *former* forms (the
Breit–Wigner IR written with the signed-q² barrier helpers; Zlm as one column computed by the
array function :func:`gpu_laddu.amplitudes.functions.zlm`) next to the recipes and times, on
the same events and in turn:

* ``precompute``: building the NLL (loading data and accepted MC: cache columns), warm;
* ``call``: one NLL value + gradient.

Models: ``bw`` = |BreitWigner(m0, Γ0 free, l = 2) · c|², ``zlm`` = Σ over five waves and two
reflectivities of |Zlm · c|², ``bw_zlm`` = laddu's example_1 (two Breit–Wigners with fixed masses
and free widths times Zlm, :func:`gpu_laddu.canonical.bw_zlm_model`).

Usage::

    python benches/bench_recipes.py [--events N] [--backend numba] [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benches.common import best_of, fmt_time, machine_info, md_table, rel_diff, write_results  # noqa: E402

WAVES = ((0, 0), (2, 1), (2, 2), (4, -3), (6, 5))


@dataclass(frozen=True)
class _FormerZlmColumn:
    """Zlm per event from the array function (the form ``gl.Zlm`` had before the recipe)."""

    l: int
    m: int
    reflectivity: int
    angles: Any
    polarization: Any
    dtype = "complex"

    @property
    def key(self) -> tuple[Any, ...]:
        return ("former-zlm", self.l, self.m, self.reflectivity, self.angles.key, self.polarization.key)

    def compute(self, dataset: Any, memo: dict[Any, Any]) -> Any:
        from gpu_laddu.amplitudes import functions as fn
        from gpu_laddu.amplitudes.base import VariableColumn

        a, p = self.angles, self.polarization
        values = [VariableColumn(v).compute(dataset, memo) for v in (a.costheta, a.phi, p.pol_angle, p.pol_magnitude)]
        return fn.zlm(self.l, self.m, self.reflectivity, *values, xp=dataset.ctx.xp)

    def required_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        p4a, sa = self.angles.required_columns()
        p4b, sb = self.polarization.required_columns()
        return frozenset(p4a) | frozenset(p4b), frozenset(sa) | frozenset(sb)


def former_zlm(name: str, l: int, m: int, r: str, angles: Any, pol: Any) -> Any:
    from gpu_laddu.ir.expr import Expression, amplitude
    from gpu_laddu.ir.nodes import column

    return amplitude(name, Expression(column(_FormerZlmColumn(l, m, 1 if r == "+" else -1, angles, pol))))


def former_breit_wigner(name: str, m0: Any, w0: Any, l: int, d1: Any, d2: Any, resonance: Any) -> Any:
    """The Breit–Wigner IR as gl.BreitWigner wrote it before the recipe."""
    from gpu_laddu.amplitudes.base import variable_expr
    from gpu_laddu.ir.expr import Expression, amplitude, sqrt
    from gpu_laddu.language.special import blatt_weisskopf_ir, breakup_momentum_ir, lambda_ir

    m, m1, m2 = variable_expr(resonance), variable_expr(d1), variable_expr(d2)
    s, m0_sq = m * m, m0 * m0
    q, q0 = breakup_momentum_ir(s, m1, m2), breakup_momentum_ir(m0_sq, m1, m2)
    f = blatt_weisskopf_ir(lambda_ir(s, m1, m2) / (4.0 * s), l)
    f0 = blatt_weisskopf_ir(lambda_ir(m0_sq, m1, m2) / (4.0 * m0_sq), l)
    ratio = f / f0 if isinstance(f, Expression) else 1.0
    gamma = w0 * (m0 / sqrt(s)) * (q / q0) * (ratio * ratio)
    return amplitude(name, 1.0 / (m0_sq - s - 1j * (m0 * gamma)))


def models(kind: str, former: bool) -> tuple[Any, list[float]]:
    import gpu_laddu as gl
    from gpu_laddu.canonical import kinematics

    mass, angles, pol = kinematics()
    if kind == "bw":
        build = former_breit_wigner if former else gl.BreitWigner
        bw = build("bw", gl.parameter("m0"), gl.parameter("w0"), 2, gl.Mass("kshort1"), gl.Mass("kshort2"), mass)
        c = gl.ComplexScalar("c", gl.parameter("re"), gl.parameter("im"))
        return gl.Model((bw * c).norm_sqr()), [1.5, 0.1, 1.0, 0.2]
    build_z = former_zlm if former else gl.Zlm
    if kind == "bw_zlm":  # laddu's example_1 (gpu_laddu.canonical.bw_zlm_model) with either form
        build_bw = former_breit_wigner if former else gl.BreitWigner
        k1, k2 = gl.Mass("kshort1"), gl.Mass("kshort2")
        z00, z22 = build_z("Z00+", 0, 0, "+", angles, pol), build_z("Z22+", 2, 2, "+", angles, pol)
        bw0 = build_bw("f0(1500)", gl.constant(1.506), gl.parameter("f0_width"), 0, k1, k2, mass)
        bw2 = build_bw("f2(1525)", gl.constant(1.517), gl.parameter("f2_width"), 2, k1, k2, mass)
        s0 = gl.Scalar("S0+", gl.parameter("S0+ re"))
        d2 = gl.ComplexScalar("D2+", gl.parameter("D2+ re"), gl.parameter("D2+ im"))
        model = gl.Model((s0 * bw0 * z00.real() + d2 * bw2 * z22.real()).norm_sqr()
                         + (s0 * bw0 * z00.imag() + d2 * bw2 * z22.imag()).norm_sqr())
        return model, [1.0, 0.15, 0.6, 0.3, 0.12]
    total: Any = None
    for i, (l, m) in enumerate(WAVES):
        for r in "+-":
            c = gl.ComplexScalar(f"c{i}{r}", gl.parameter(f"re{i}{r}"), gl.parameter(f"im{i}{r}"))
            term = (build_z(f"z{l}{m}{r}", l, m, r, angles, pol) * c).norm_sqr()
            total = term if total is None else total + term
    return gl.Model(total), [1.0, 0.1] * (2 * len(WAVES))


def _measure(kind: str, data: Any, mc: Any, min_time: float) -> dict[str, Any]:
    import gpu_laddu as gl

    (recipe, p), (former, _) = models(kind, False), models(kind, True)
    nll_recipe, nll_former = gl.NLL(recipe, data, mc), gl.NLL(former, data, mc)
    load = best_of(lambda: gl.NLL(recipe, data, mc), lambda: gl.NLL(former, data, mc), min_time=min_time, min_calls=3)
    call = best_of(lambda: nll_recipe.value_and_gradient(p), lambda: nll_former.value_and_gradient(p),
                   min_time=min_time, min_calls=5)
    v_recipe, g_recipe = nll_recipe.value_and_gradient(p)
    v_former, g_former = nll_former.value_and_gradient(p)
    return {"model": kind, "precompute_recipe_s": load[0], "precompute_former_s": load[1],
            "call_recipe_s": call[0], "call_former_s": call[1],
            "precompute_ratio": load[0] / load[1], "call_ratio": call[0] / call[1],
            "value_rel_diff": rel_diff([v_recipe], [v_former]), "gradient_rel_diff": rel_diff(g_recipe, g_former)}


def run(n_events: int, backend: str, min_time: float) -> dict[str, Any]:
    import gpu_laddu as gl
    from gpu_laddu.generate import generate_kskp, generate_kskp_mc

    ctx = gl.ExecutionContext(device="cpu", backend=backend)
    data = generate_kskp(n_events, seed=1, ctx=ctx)
    mc = generate_kskp_mc(n_events, seed=2, ctx=ctx)
    rows = [_measure(kind, data, mc, min_time) for kind in ("bw", "zlm", "bw_zlm")]
    ctx.close()
    return {"benchmark": "recipes", "n_data": n_events, "n_mc": n_events, "backend": backend,
            "machine": machine_info(), "results": rows}


def markdown(results: dict[str, Any]) -> str:
    rows = [[r["model"], fmt_time(r["call_recipe_s"]), fmt_time(r["call_former_s"]), f"{r['call_ratio']:.2f}",
             fmt_time(r["precompute_recipe_s"]), fmt_time(r["precompute_former_s"]), f"{r['precompute_ratio']:.2f}",
             f"{r['value_rel_diff']:.1e}"] for r in results["results"]]
    head = (f"# Named constructors as recipes ({results['n_data']} + {results['n_mc']} events, "
            f"{results['backend']}, {results['machine']['logical_cores']} cores)\n\n"
            "NLL value + gradient per call, and the warm precompute (building the NLL), recipe vs the former "
            "hand-built form, measured in turn in one run. Goals: call ratio <= 1.10, precompute ratio <= 2.\n\n")
    return head + md_table(["model", "call (recipe)", "call (former)", "ratio", "precompute (recipe)",
                            "precompute (former)", "ratio", "NLL rel. diff"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no result files (smoke test)")
    args = parser.parse_args()
    results = run(2000 if args.quick else args.events, args.backend, 0.0 if args.quick else 3.0)
    text = markdown(results)
    print(text)
    if not args.quick:
        write_results(args.out, "bench_recipes", results, text)


if __name__ == "__main__":
    main()
