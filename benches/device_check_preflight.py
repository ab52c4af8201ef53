"""Preflight of the device check: is everything the GPU path needs actually loadable here?

Checks, in order, and stops at the first one that fails with one line naming what is
missing and how to get it (exit status 3):

1. the NVIDIA driver and its CUDA version against CuPy's runtime, and at least one GPU;
2. ``import cupy.cublas`` and a 3×3 ``a @ b`` (cuBLAS, ``libcublas``);
3. a tiny ``cupy.linalg.solve`` (cuSOLVER, ``libcusolver``, ``libnvJitLink``);
4. an NVRTC compile of a kernel that includes ``<cupy/complex.cuh>``, launched once;
5. NCCL when ``cupy.cuda.nccl`` can load it (absent is reported, not a failure).

On success it prints one ``preflight OK`` line with the versions found.  Run from the
repository root: ``python benches/device_check_preflight.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

FIX_CTK = 'pip install "cupy-cuda13x[ctk]" (or the nvidia-cublas, nvidia-cusolver, nvidia-nvjitlink wheels)'
FIX_NVRTC = 'pip install "nvidia-cuda-nvrtc==13.0.*"'

KERNEL = r"""#include <cupy/complex.cuh>
extern "C" __global__ void gl_preflight(const thrust::complex<double>* a, double* out)
{
    out[threadIdx.x] = thrust::abs(a[threadIdx.x] * a[threadIdx.x]);
}
"""


class PreflightError(Exception):
    """One missing piece: ``what`` failed, ``fix`` says how to get it."""

    def __init__(self, what: str, reason: str, fix: str) -> None:
        super().__init__(f"{what}: {reason} (fix: {fix})")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200] if text else ''}"


def _check(what: str, fix: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except PreflightError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is reported by name, in one line
        raise PreflightError(what, _first_line(exc), fix) from exc


def run() -> list[str]:
    """Every check, in order; the facts found (raises :class:`PreflightError` on the first failure)."""
    cupy = _check("import cupy", "pip install cupy-cuda13x", lambda: __import__("cupy"))
    import numpy as np

    runtime = cupy.cuda.runtime
    driver = _check("NVIDIA driver", "install an NVIDIA driver >= 580 (CUDA 13.0)", runtime.driverGetVersion)
    cuda_rt = int(runtime.runtimeGetVersion())
    if not driver:
        raise PreflightError("NVIDIA driver", "no driver found", "install an NVIDIA driver >= 580 (CUDA 13.0)")
    if int(driver) // 1000 < cuda_rt // 1000:
        raise PreflightError("NVIDIA driver", f"driver supports CUDA {driver}, CuPy's runtime is CUDA {cuda_rt}",
                             "a newer driver, or the cupy-cuda12x wheel")
    n_gpu = _check("GPU", "check CUDA_VISIBLE_DEVICES and nvidia-smi", runtime.getDeviceCount)
    if not n_gpu:
        raise PreflightError("GPU", "the driver sees no GPU", "check CUDA_VISIBLE_DEVICES and nvidia-smi")
    facts = [f"driver CUDA {driver}", f"runtime {cuda_rt}", f"{n_gpu} GPU(s)", f"cupy {cupy.__version__}"]

    def gemm() -> None:
        import cupy.cublas  # noqa: F401 - loads libcublas

        a = cupy.arange(9, dtype=cupy.float64).reshape(3, 3)
        np.testing.assert_allclose(cupy.asnumpy(a @ a), np.arange(9.0).reshape(3, 3) @ np.arange(9.0).reshape(3, 3))

    _check("cuBLAS (a @ b)", FIX_CTK, gemm)

    def solve() -> None:
        a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
        b = np.array([1.0, 2.0, 3.0])
        np.testing.assert_allclose(cupy.asnumpy(cupy.linalg.solve(cupy.asarray(a), cupy.asarray(b))),
                                   np.linalg.solve(a, b), rtol=1e-12)

    _check("cuSOLVER (linalg.solve)", FIX_CTK, solve)

    def nvrtc() -> int:
        from cupy.cuda import nvrtc as _nvrtc

        version = _nvrtc.getVersion()
        kernel = cupy.RawKernel(KERNEL, "gl_preflight", options=("-std=c++17",))
        a = cupy.asarray(np.array([1 + 1j, 2.0, 1j]))
        out = cupy.zeros(3)
        kernel((1,), (3,), (a, out))
        np.testing.assert_allclose(cupy.asnumpy(out), [2.0, 4.0, 1.0])
        return int(version[0]) * 1000 + int(version[1]) * 10

    facts.append(f"NVRTC {_check('NVRTC compile', FIX_NVRTC, nvrtc)}")

    def nccl() -> str:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from cupy.cuda import nccl as _nccl
        return f"NCCL {_nccl.get_version()}" if getattr(_nccl, "available", False) else "NCCL absent"

    facts.append(_check("NCCL", "pip install nvidia-nccl-cu13", nccl))
    return facts


def main() -> int:
    try:
        facts = run()
    except PreflightError as exc:
        print(f"preflight FAILED: {exc}", flush=True)
        return 3
    print(f"preflight OK: {', '.join(facts)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
