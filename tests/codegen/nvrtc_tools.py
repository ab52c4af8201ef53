"""NVRTC for the tests, independent of the ``cupy`` module (which the fake may replace):
CuPy's own NVRTC binding from ``cupy_backends`` and CuPy's headers found on disk."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

from gpu_laddu.codegen.cuda import NVRTC_OPTIONS
from gpu_laddu.codegen.cuda_resources import KernelResources, parse_ptxas_log


@functools.cache
def nvrtc() -> Any:
    """CuPy's NVRTC binding, or None when cupy or the NVRTC library is absent."""
    try:
        from cupy_backends.cuda.libs import nvrtc as binding

        binding.getVersion()
    except Exception:  # noqa: BLE001 - any loader failure: no NVRTC here
        return None
    return binding


@functools.cache
def cupy_include() -> Path:
    """CuPy's ``_core/include`` folder (holds ``cupy/complex.cuh``), found without importing cupy."""
    spec = importlib.util.find_spec("cupy_backends")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("cupy_backends is not installed")
    return Path(spec.origin).parent.parent / "cupy" / "_core" / "include"


def include_dirs() -> list[str]:
    base = cupy_include()
    return [str(p) for p in (base, base / "cupy/_cccl/libcudacxx", base / "cupy/_cccl/thrust", base / "cupy/_cccl/cub")]


@functools.lru_cache(maxsize=256)
def resources(source: str, arch: str = "sm_90") -> dict[str, KernelResources]:
    """Each kernel's registers, spills and shared memory, from ptxas's report of an ``arch`` cubin."""
    binding = nvrtc()
    if binding is None:
        raise RuntimeError("NVRTC is not available")
    prog = binding.createProgram(source, "kernel.cu", (), ())
    try:
        options = (f"-arch={arch}", *NVRTC_OPTIONS, "-Xptxas", "-v", *(f"-I{d}" for d in include_dirs()))
        try:
            binding.compileProgram(prog, options)
        except binding.NVRTCError as exc:
            raise RuntimeError(binding.getProgramLog(prog)) from exc
        assert binding.getCUBIN(prog), "no cubin"
        return parse_ptxas_log(binding.getProgramLog(prog))
    finally:
        binding.destroyProgram(prog)
