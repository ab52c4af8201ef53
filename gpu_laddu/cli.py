"""The ``gpu-laddu`` command: demo, bench, info, convert.

Examples
--------
>>> main(["info", "--json"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def system_info() -> dict[str, Any]:
    """Devices, backends, CUDA/driver versions and MPI, as a dict (probing lazily)."""
    import platform

    import numpy as np

    from gpu_laddu import __version__
    from gpu_laddu.backends.registry import backend_available, cuda_available

    info: dict[str, Any] = {
        "gpu_laddu": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "backends": {name: backend_available(name) for name in ("numpy", "numba", "cupy")},
        "gpus": [],
    }
    try:
        import numba

        info["numba"] = numba.__version__
        info["numba_threads"] = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    except ImportError:
        info["numba"] = None
    try:
        import cupy

        info["cupy"] = cupy.__version__
        info["cuda_runtime"] = int(cupy.cuda.runtime.runtimeGetVersion())
        if cuda_available():
            info["cuda_driver"] = int(cupy.cuda.runtime.driverGetVersion())
            for i in range(cupy.cuda.runtime.getDeviceCount()):
                props = cupy.cuda.runtime.getDeviceProperties(i)
                with cupy.cuda.Device(i):
                    free, total = cupy.cuda.runtime.memGetInfo()
                info["gpus"].append({
                    "index": i,
                    "name": props["name"].decode() if isinstance(props["name"], bytes) else props["name"],
                    "compute_capability": f"{props['major']}.{props['minor']}",
                    "memory_total_gib": round(total / 2**30, 2),
                    "memory_free_gib": round(free / 2**30, 2),
                })
    except ImportError:
        info["cupy"] = None
    try:
        from mpi4py import MPI

        info["mpi"] = {"library": MPI.Get_library_version().splitlines()[0].strip(), "mpi4py": True}
    except (ImportError, RuntimeError):  # mpi4py without an MPI library raises RuntimeError
        info["mpi"] = None
    return info


def _print_info(args: argparse.Namespace) -> int:
    info = system_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"gpu_laddu {info['gpu_laddu']}  (python {info['python']}, numpy {info['numpy']}, {info['machine']})")
    print("backends: " + ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in info["backends"].items()))
    print(f"numba: {info.get('numba') or 'not installed'}")
    cuda = (f"cupy {info['cupy']} (CUDA runtime {info.get('cuda_runtime')})" if info.get("cupy")
            else "cupy not installed")
    print(f"cuda: {cuda}; driver {info.get('cuda_driver', 'n/a')}")
    if info["gpus"]:
        for g in info["gpus"]:
            print(f"  GPU {g['index']}: {g['name']} (sm_{g['compute_capability'].replace('.', '')}), "
                  f"{g['memory_free_gib']}/{g['memory_total_gib']} GiB free")
    else:
        print("  no usable GPU")
    print(f"mpi: {info['mpi']['library'] if info['mpi'] else 'mpi4py not installed'}")
    return 0


WAVES = {"S+ (f0+a0)·Z00+": ["f0+", "a0+", "Z00+"], "D+ (f2+a2)·Z22+": ["f2", "a2", "Z22+"],
         "S- (f0+a0)·Z00-": ["f0-", "a0-", "Z00-"]}


def _output_folder(folder: Any) -> None:
    """Create ``folder`` (and its parents) or raise :class:`DataError` saying why it cannot hold the plot."""
    import os

    from gpu_laddu.errors import DataError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot use {str(folder)!r} as the output folder ({exc.strerror or exc})") from exc
    if not os.access(folder, os.W_OK):
        raise DataError(f"the output folder {str(folder)!r} is not writable")


def run_demo(events: int = 100_000, mc_events: int | None = None, device: str = "auto", backend: str | None = None,
             seed: int = 1, out: str = ".", progress: bool = True) -> dict[str, Any]:
    """Generate a γp → K_S K_S p sample from the demo K-matrix × Zlm model, fit it, plot it.

    Returns a summary dict (fit result, timings, plot path); prints a table on rank 0.  The
    output folder ``out`` is created if missing; one that cannot be created or written raises
    :class:`~gpu_laddu.errors.DataError` before any work.
    """
    import time
    from pathlib import Path

    import numpy as np

    import gpu_laddu as gl
    from gpu_laddu.canonical import demo_model
    from gpu_laddu.fit import fit
    from gpu_laddu.generate import generate_by_model, generate_kskp_mc
    from gpu_laddu.likelihood.projection import project, project_with

    ctx = gl.ExecutionContext(device=device, backend=backend)
    say = print if ctx.rank == 0 else (lambda *a, **k: None)
    if ctx.rank == 0:  # before any work: a bad folder must not cost the user the fit
        _output_folder(Path(out))
    mc_events = 5 * events if mc_events is None else mc_events
    cm = demo_model()
    say(f"gpu-laddu demo on {ctx.device} ({ctx.backend} backend, {ctx.size} rank(s)): "
        f"{events} data + {mc_events} accepted-MC events, {len(cm.model.parameters)} free parameters")
    t0 = time.perf_counter()
    data = generate_by_model(cm.model, cm.truth, events, seed=seed, ctx=ctx,
                             envelope_variable=gl.Mass(["kshort1", "kshort2"]))
    accmc = generate_kskp_mc(mc_events, seed=seed, ctx=ctx)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    nll = gl.NLL(cm.model, data, accmc)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = fit(nll, initial=cm.start, method="migrad", progress=progress)
    t_fit = time.perf_counter() - t0
    say(f"generation {t_gen:.1f} s, load/precompute {t_load:.1f} s, fit {t_fit:.1f} s "
        f"({result.n_calls} calls, converged={result.converged})")
    say(f"{'parameter':<16}{'true':>10}{'fitted':>12}{'error':>10}{'pull':>8}")
    pulls = {}
    for name in cm.model.parameters:
        value, error = result.values[name], result.errors[name]
        pulls[name] = (value - cm.truth[name]) / error if error > 0 else float("nan")
        say(f"{name:<16}{cm.truth[name]:>10.4f}{value:>12.4f}{error:>10.4f}{pulls[name]:>8.2f}")
    mass = gl.Mass(["kshort1", "kshort2"])
    m_data = ctx.comm.allgatherv(ctx.to_numpy(mass.value(data)))
    w_data = ctx.comm.allgatherv(ctx.to_numpy(data.weights))
    m_mc = ctx.comm.allgatherv(ctx.to_numpy(mass.value(accmc)))
    total = project(nll, result.values, gather=True)
    waves = {label: project_with(nll, result.values, names, gather=True) for label, names in WAVES.items()}
    angles = gl.Angles("beam", "proton", "kshort1", ["kshort1", "kshort2"])
    angular = [("cos θ_HX", angles.costheta, (-1.0, 1.0), ""), ("φ_HX", angles.phi, (-np.pi, np.pi), "rad"),
               ("Φ", gl.PolAngle("beam", "proton"), (-np.pi, np.pi), "rad")]
    gathered = [(ctx.comm.allgatherv(ctx.to_numpy(v.value(data))), ctx.comm.allgatherv(ctx.to_numpy(v.value(accmc))))
                for _, v, _, _ in angular]
    path = None
    if ctx.rank == 0:
        from gpu_laddu.plot import Axis, plot_projection, plot_projections

        path = plot_projection(m_data, w_data, m_mc, total, waves, bins=60, range=(0.99, 2.6),
                               xlabel="m(K_S K_S)", unit="GeV", title="gpu-laddu demo: data and fitted model",
                               path=Path(out) / "demo_projection.png")
        panels = [Axis("m(K_S K_S)", m_data, m_mc, 60, (0.99, 2.6), "GeV")]
        panels += [Axis(label, d, m, 30, lim, unit) for (label, _, lim, unit), (d, m) in zip(angular, gathered)]
        angular_path = plot_projections(panels, w_data, total, waves, title="gpu-laddu demo: mass and angles",
                                        path=Path(out) / "demo_projections.png")
        say(f"wrote {path} and {angular_path}")
    return {"result": result, "pulls": pulls, "times": {"generate": t_gen, "load": t_load, "fit": t_fit},
            "plot": path, "mean_abs_pull": float(np.nanmean(np.abs(list(pulls.values()))))}


def _demo(args: argparse.Namespace) -> int:
    run_demo(events=args.events, mc_events=args.mc_events, device=args.device, backend=args.backend,
             seed=args.seed, out=args.out, progress=not args.no_progress)
    return 0


def _convert(args: argparse.Namespace) -> int:
    import gpu_laddu as gl

    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = gl.read_amptools(args.input, tree=args.tree, pol_in_beam=args.pol_in_beam, pol_angle=args.pol_angle,
                          pol_magnitude=args.pol_magnitude, ctx=ctx)
    gl.write_parquet(ds, args.output)
    if ctx.rank == 0:
        print(f"wrote {ds.n_events_global} events ({', '.join(ds.p4_names)}; scalars "
              f"{', '.join(ds.scalar_names) or 'none'}) to {args.output}")
    return 0


def _bench(suite_args: Sequence[str]) -> int:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if not (root / "benches" / "suite.py").exists():
        print("gpu-laddu bench runs the suite in benches/ and needs a source checkout", file=sys.stderr)
        return 2
    sys.path.insert(0, str(root))
    from benches.suite import main as bench_main

    return int(bench_main(list(suite_args)))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``gpu-laddu``."""
    from gpu_laddu import __version__

    parser = argparse.ArgumentParser(prog="gpu-laddu", description="GPU-first amplitude analysis")
    parser.add_argument("--version", action="version", version=f"gpu-laddu {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="devices, backends, CUDA and MPI")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=_print_info)
    demo = sub.add_parser("demo", help="generate a K-matrix × Zlm sample, fit it, plot the projection")
    demo.add_argument("--events", type=int, default=100_000, help="data events (default 100000)")
    demo.add_argument("--mc-events", type=int, default=None, help="accepted-MC events (default 5 × events)")
    demo.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    demo.add_argument("--backend", default=None, choices=["numpy", "numba", "cupy"], help="default: best available")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--out", default=".", help="folder for demo_projection.png")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)
    bench = sub.add_parser("bench", help="benchmark suite against laddu 0.28.1 (see `gpu-laddu bench -- --help`)",
                           description="Runs benches/suite.py; arguments after the command go to the suite.")
    bench.add_argument("suite_args", nargs=argparse.REMAINDER, help="e.g. --quick, --sizes 10000, --no-laddu")
    convert = sub.add_parser("convert", help="convert an AmpTools ROOT tree to a laddu-layout Parquet file")
    convert.add_argument("input", help="AmpTools ROOT file")
    convert.add_argument("output", help="Parquet file to write")
    convert.add_argument("--tree", default="kin", help="tree name (default kin)")
    convert.add_argument("--pol-in-beam", action="store_true",
                         help="the polarisation is stored as the beam's transverse momentum")
    convert.add_argument("--pol-angle", type=float, default=None, help="fixed polarisation angle in degrees")
    convert.add_argument("--pol-magnitude", type=float, default=None, help="fixed degree of polarisation")
    convert.set_defaults(func=_convert)
    return parser


TRACEBACK_ENV = "GPU_LADDU_TRACEBACK"
"""Set to 1 to see the Python traceback of a user error instead of its one-line message."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gpu-laddu`` console script.

    A user error (a :class:`~gpu_laddu.errors.GpuLadduError`, or a file that cannot be read
    or written) prints one line, ``gpu-laddu: error: <what>``, to stderr and returns 2, as
    argparse does for bad arguments; ``GPU_LADDU_TRACEBACK=1`` shows the traceback instead.
    """
    import os

    from gpu_laddu.errors import GpuLadduError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["bench"]:  # everything after `bench` belongs to the suite's own parser
            return _bench([a for a in argv[1:] if a != "--"])
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except (GpuLadduError, OSError) as exc:
        if os.environ.get(TRACEBACK_ENV, "") not in ("", "0"):
            raise
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"gpu-laddu: error: {text}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
