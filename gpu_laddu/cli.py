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
        info["numba_threads"] = int(numba.config.NUMBA_NUM_THREADS)
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
    except ImportError:
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
    cuda = f"cupy {info['cupy']} (CUDA runtime {info.get('cuda_runtime')})" if info.get("cupy") else "cupy not installed"
    print(f"cuda: {cuda}; driver {info.get('cuda_driver', 'n/a')}")
    if info["gpus"]:
        for g in info["gpus"]:
            print(f"  GPU {g['index']}: {g['name']} (sm_{g['compute_capability'].replace('.', '')}), "
                  f"{g['memory_free_gib']}/{g['memory_total_gib']} GiB free")
    else:
        print("  no usable GPU")
    print(f"mpi: {info['mpi']['library'] if info['mpi'] else 'mpi4py not installed'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``gpu-laddu``."""
    parser = argparse.ArgumentParser(prog="gpu-laddu", description="GPU-first amplitude analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="devices, backends, CUDA and MPI")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=_print_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gpu-laddu`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
