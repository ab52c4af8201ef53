"""Benchmark: reaction channels — generation speed, and the precompute of nested-decay variables vs laddu.

Topology: γp → b₁(1235)π⁰p... written as γ p → b₁ p, b₁ → ω π⁰, ω → π⁺π⁻π⁰ (the ω decays
to three pions at one vertex).  Three measurements, each in a fresh subprocess (so that peak
RSS is that run's alone):

* ``generate``: ``gl.Generator`` events per second, weighted and unweighted (beam energy
  uniform in 8–9 GeV, b₁ mass proposed in 1.0–1.6 GeV), and the unweighted sample written to
  Parquet for the next two;
* ``gpu_laddu``: ``gl.read_parquet``, then ``Model(...).load`` of a model whose cache columns
  are the nested-decay variables (production angles, b₁ helicity angles, ω helicity angles of
  π⁺ with the production-plane normal as y hint, m(b₁), m(ω), t): the precompute;
* ``laddu``: ``laddu.read_parquet``, then ``Dataset.evaluate`` of the same variables with
  laddu 0.28.1's ``Channel``/``VertexFrame`` (its compile and evaluation; a second call shows
  the warm time).  Both sides' values are compared (‖a − b‖∞ ≤ 1e-10, angles mod 2π).

Peak RSS is ``ru_maxrss`` after the step minus ``ru_maxrss`` after reading the file.  Goal:
gpu_laddu's precompute ≤ 0.5 × laddu's time.

Usage::

    python benches/bench_reaction.py [--events N] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benches.common import emit_json, fmt_bytes, fmt_time, machine_info, md_table, run_json_child, write_results  # noqa: E402

GOAL = 0.5
EDGES = [("beam", "beam"), ("target", None), ("b1", None), ("recoil", "proton"), ("omega", None),
         ("pi0_b", "pi0_b"), ("pip", "pip"), ("pim", "pim"), ("pi0_w", "pi0_w")]
VERTICES = [("production", ["beam", "target"], ["b1", "recoil"]), ("b1_decay", ["b1"], ["omega", "pi0_b"]),
            ("omega_decay", ["omega"], ["pip", "pim", "pi0_w"])]


def channel(lib: Any) -> Any:
    """The analysis channel (measured edges have columns; target, b₁ and ω are inferred)."""
    return lib.Channel("omega pi0 p", edges=[lib.Edge(n, p4=c) for n, c in EDGES],
                       vertices=[lib.Vertex(n, incoming=i, outgoing=o) for n, i, o in VERTICES])


def variables(lib: Any) -> dict[str, Any]:
    """The nested-decay variables, written once for either library."""
    ch = channel(lib)
    prod, b1, omega = ch.vertex("production"), ch.vertex("b1_decay"), ch.vertex("omega_decay")
    normal = prod.vec3("beam").cross(prod.vec3("recoil"))
    axes = {"prod": (prod, "b1", prod.vec3("beam"), lib.Vec3.y_axis()),
            "b1_hx": (b1, "omega", -b1.vec3("recoil"), normal),
            "omega_hx": (omega, "pip", -omega.vec3("pi0_b"), normal)}
    out = {}
    for name, (frame, edge, z, y) in axes.items():
        out[f"cos_{name}"] = frame.costheta(edge, z_axis=z, y_hint=y)
        out[f"phi_{name}"] = frame.phi(edge, z_axis=z, y_hint=y)
    out["m_b1"], out["m_omega"], out["t"] = ch.mass("b1"), ch.mass("omega"), prod.t()
    return out


def generation_channel(gl: Any) -> Any:
    P = gl.particles
    b1 = gl.Particle("b1(1235)", spin=1, parity=1, mass=1.2295)
    edges = [
        gl.Edge("beam", p4="beam", particle=P.PHOTON,
                initial_momentum=gl.InitialMomentum.uniform_energy(low=8.0, high=9.0, direction=[0, 0, 1])),
        gl.Edge("target", particle=P.PROTON, output=False,
                initial_momentum=gl.InitialMomentum.p4([P.PROTON.mass, 0.0, 0.0, 0.0])),
        gl.Edge("b1", particle=b1, mass_proposal=gl.MassProposal(1.0, high=1.6), output=False),
        gl.Edge("recoil", p4="proton", particle=P.PROTON),
        gl.Edge("omega", particle=P.OMEGA, output=False),
        gl.Edge("pi0_b", p4="pi0_b", particle=P.PI_ZERO), gl.Edge("pip", p4="pip", particle=P.PI_PLUS),
        gl.Edge("pim", p4="pim", particle=P.PI_MINUS), gl.Edge("pi0_w", p4="pi0_w", particle=P.PI_ZERO)]
    return gl.Channel("gamma p -> omega pi0 p", edges=edges,
                      vertices=[gl.Vertex(n, incoming=i, outgoing=o) for n, i, o in VERTICES])


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_generate(n: int, path: str) -> dict[str, Any]:
    import gpu_laddu as gl

    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    gen = gl.Generator(generation_channel(gl))
    gen.weighted(1000, seed=0, ctx=ctx)  # warm-up
    t0 = time.perf_counter()
    gen.weighted(n, seed=1, ctx=ctx)
    t_w = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds, report = gen.unweighted(n, seed=2, ctx=ctx)
    t_u = time.perf_counter() - t0
    gl.write_parquet(ds, path)
    return {"weighted_events_per_s": n / t_w, "unweighted_events_per_s": n / t_u,
            "acceptance_rate": report.acceptance_rate}


def child_gpu_laddu(path: str, values_path: str) -> dict[str, Any]:
    import numpy as np

    import gpu_laddu as gl

    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = gl.read_parquet(path, ctx=ctx)
    exprs = variables(gl)
    base = _rss()
    model = gl.Model(sum((gl.parameter(f"c_{k}") * v for k, v in exprs.items()), gl.constant(0.0)))
    t0 = time.perf_counter()
    model.load(ds, gradient=False)
    t = time.perf_counter() - t0
    rss = _rss() - base
    memo: dict[Any, Any] = {}
    np.savez(values_path, **{k: ctx.to_numpy(v.node.attrs[0].compute(ds, memo)) for k, v in exprs.items()})
    return {"precompute_s": t, "peak_rss_delta_bytes": rss, "n_events": ds.n_events}


def child_laddu(path: str, values_path: str) -> dict[str, Any]:
    import laddu
    import numpy as np

    ds = laddu.read_parquet(path)
    exprs = variables(laddu)
    execution = laddu.Execution("cpu", precision="f64")
    base = _rss()
    t0 = time.perf_counter()
    out = ds.evaluate(exprs, execution=execution, real=True)
    t_first = time.perf_counter() - t0
    rss = _rss() - base
    t0 = time.perf_counter()
    ds.evaluate(exprs, execution=execution, real=True)
    t_second = time.perf_counter() - t0
    ours = np.load(values_path)
    worst = 0.0
    for k, v in out.items():
        d = np.asarray(ours[k]) - np.asarray(v)
        if k.startswith("phi"):
            d = (d + np.pi) % (2 * np.pi) - np.pi
        worst = max(worst, float(np.max(np.abs(d)) / max(np.max(np.abs(v)), 1.0)))
    if worst > 1e-10:
        raise RuntimeError(f"PARITY FAILURE: reaction variables differ from laddu's by {worst:.3e}")
    return {"precompute_s": t_first, "warm_s": t_second, "peak_rss_delta_bytes": rss, "parity": worst}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benches" / "results")
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"generate": lambda: child_generate(int(rest[0]), rest[1]), "gpu_laddu": lambda: child_gpu_laddu(*rest),
              "laddu": lambda: child_laddu(*rest)}[kind]
        emit_json(fn())
        return
    with tempfile.TemporaryDirectory() as tmp:
        data, values = str(Path(tmp) / "events.parquet"), str(Path(tmp) / "values.npz")
        me = [str(Path(__file__).resolve()), "--child"]
        gen = run_json_child([*me, "generate", str(args.events), data], timeout=3600)
        ours = run_json_child([*me, "gpu_laddu", data, values], timeout=3600)
        theirs = run_json_child([*me, "laddu", data, values], timeout=3600)
    ratio = ours["precompute_s"] / theirs["precompute_s"]
    results = {"machine": machine_info(), "events": args.events, "generate": gen, "gpu_laddu": ours,
               "laddu": theirs, "ratio": ratio, "goal": GOAL}
    md = "\n".join([
        f"# Reaction channels: γp → b₁p, b₁ → ωπ⁰, ω → π⁺π⁻π⁰ ({args.events:,} events)", "",
        f"Machine: {results['machine']['cpu']}, {results['machine']['logical_cores']} logical cores.", "",
        "## Precompute of the nested-decay variables (6 angles in 3 frames, 2 masses, t)", "",
        md_table(["library", "time", "peak RSS Δ", "note"], [
            ["gpu_laddu (numpy)", fmt_time(ours["precompute_s"]), fmt_bytes(ours["peak_rss_delta_bytes"]),
             "Model.load: the variables as cache columns"],
            ["laddu 0.28.1", fmt_time(theirs["precompute_s"]), fmt_bytes(theirs["peak_rss_delta_bytes"]),
             f"Dataset.evaluate, compile included (warm: {fmt_time(theirs['warm_s'])})"]]),
        "", f"gpu_laddu / laddu = {ratio:.3f} (goal ≤ {GOAL}); values agree to {theirs['parity']:.1e}.", "",
        "## Generation (gl.Generator, numpy)", "",
        md_table(["mode", "events / s"], [["weighted", f"{gen['weighted_events_per_s']:,.0f}"],
                                          ["unweighted", f"{gen['unweighted_events_per_s']:,.0f} "
                                                         f"(acceptance {gen['acceptance_rate']:.3f})"]]),
        "", "laddu 0.28.1's Generator cannot generate this topology (its isotropic proposal is 1 → 2 only)."])
    print(md)
    write_results(args.out, "bench_reaction", results, md)


if __name__ == "__main__":
    main()
