"""Run generated CUDA C on the CPU: a test-only emulator of the few CUDA features the kernels use.

The generated source is compiled by the host C++ compiler (g++, C++20) against CuPy's own
``cupy/complex.cuh`` (its ``thrust::complex``, found in the installed cupy wheel; without
cupy, ``std::complex`` stands in) and a shim that runs every CUDA thread of a block as an OS
thread (``__syncthreads`` is a block barrier, ``__shfl_down_sync`` exchanges values
through a per-warp buffer between two warp barriers, ``__shared__`` variables are static)
and runs the blocks one after another.  It checks what NVRTC cannot: indexing, the
grid-stride loop, the block reduction and the second-stage reduction, numerically.
"""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from gpu_laddu.codegen.chain import chain_rule, finish_sums
from gpu_laddu.codegen.cuda import DEFAULT_SHAPE, REDUCE_SOURCE, emit_cuda, launch_config
from gpu_laddu.codegen.plan import KernelPlan

SHIM = r"""
#include <barrier>
#include <cmath>
#include <math.h>
#include <complex>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

struct gl_dim3 { unsigned x, y, z; };
static thread_local gl_dim3 threadIdx;
static gl_dim3 blockIdx, blockDim, gridDim;
static std::barrier<>* gl_block_barrier;
static std::barrier<>* gl_warp_barrier[32];
static double gl_shuffle[1024];

static inline void __syncthreads() { gl_block_barrier->arrive_and_wait(); }
static inline double __shfl_down_sync(unsigned, double v, int offset) {
    const unsigned t = threadIdx.x, lane = t & 31u, warp = t >> 5;
    gl_shuffle[t] = v;
    gl_warp_barrier[warp]->arrive_and_wait();
    const double r = lane + offset < 32u ? gl_shuffle[t + offset] : v;
    gl_warp_barrier[warp]->arrive_and_wait();
    return r;
}
static inline double __longlong_as_double(long long x) { double d; std::memcpy(&d, &x, 8); return d; }
using std::sqrt; using std::exp; using std::log; using std::sin; using std::cos; using std::fabs; using std::isfinite;
#define __global__
#define __host__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
GL_COMPLEX

template <class F> static void gl_launch(unsigned grid, unsigned block, F kernel) {
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned b = 0; b < grid; ++b) {
        blockIdx = {b, 0, 0};
        std::barrier<> bar(block);
        gl_block_barrier = &bar;
        std::vector<std::unique_ptr<std::barrier<>>> warps;
        for (unsigned w = 0; w < block / 32; ++w) {
            warps.push_back(std::make_unique<std::barrier<>>(32));
            gl_warp_barrier[w] = warps.back().get();
        }
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < block; ++t) threads.emplace_back([=] { threadIdx = {t, 0, 0}; kernel(); });
        for (auto& th : threads) th.join();
    }
}
"""


STD_COMPLEX = """namespace thrust {
template <class T> using complex = std::complex<T>;
using std::conj; using std::exp; using std::log; using std::sqrt;
}"""


def cupy_include_flags() -> list[str]:
    """``-I`` flags for CuPy's headers (``cupy/complex.cuh`` and its CCCL copy); empty without cupy."""
    try:
        from tests.codegen.nvrtc_tools import include_dirs

        dirs = include_dirs()
    except (ImportError, FileNotFoundError):
        return []
    return [f"-I{d}" for d in dirs] if (Path(dirs[0]) / "cupy" / "complex.cuh").exists() else []


def _shim() -> str:
    return SHIM.replace("GL_COMPLEX", "#include <cupy/complex.cuh>" if cupy_include_flags() else STD_COMPLEX)


def _harness(plan: KernelPlan, precision: str, shape: tuple[int, int]) -> str:
    src = emit_cuda(plan, precision, shape).replace("#include <cupy/complex.cuh>", _shim())
    block = shape[0]
    casts = ", ".join(f"(const {'gl_cplx' if c.dtype == 'complex' else 'gl_real'}*)cols[{j}]"
                      for j, c in enumerate(plan.columns))
    cols = casts + ", " if casts else ""
    return "\n".join([
        src, REDUCE_SOURCE,
        'extern "C" void gl_run(unsigned grid, const double* p, const double* w, void** cols, long long n,',
        "                       int log_mode, int with_grad, double* partial) {",
        f"    gl_launch(grid, {block}, [&] {{ {plan.name}(p, w, {cols}n, log_mode, with_grad, partial); }});",
        "}",
        'extern "C" void gl_reduce(const double* partial, long long n_blocks, int n_out, double* out) {',
        "    gl_launch(n_out, 256, [&] { gpu_laddu_reduce_partials(partial, n_blocks, n_out, out); });",
        "}",
    ])


def available() -> bool:
    """True when a C++20 compiler is on the PATH."""
    return shutil.which("g++") is not None


class EmulatedKernel:
    """The fused kernel of ``plan`` compiled for the host, launched like the cupy engine does."""

    def __init__(self, plan: KernelPlan, precision: str, shape: tuple[int, int] | None = None) -> None:
        self.plan = plan
        self.precision = precision
        self.block, self.min_blocks = shape or DEFAULT_SHAPE
        self.chain = chain_rule(plan)
        source = _harness(plan, precision, (self.block, self.min_blocks))
        folder = Path(tempfile.gettempdir()) / "gpu_laddu_cuda_emulator"
        folder.mkdir(exist_ok=True)
        lib = folder / f"{hashlib.sha256(source.encode()).hexdigest()[:16]}.so"
        if not lib.exists():
            cpp = lib.with_suffix(".cpp")
            cpp.write_text(source)
            tmp = lib.with_suffix(".tmp.so")
            subprocess.run(["g++", "-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", *cupy_include_flags(),
                            "-o", str(tmp), str(cpp)], check=True, capture_output=True, text=True, timeout=300)
            tmp.replace(lib)
        self.lib = ctypes.CDLL(str(lib))

    def sums(self, params: np.ndarray, weights: np.ndarray, columns: list[np.ndarray], log: bool,
             with_grad: bool, sm_count: int, blocks_per_sm: int | None = None) -> np.ndarray:
        """The engine sums of one call (both stages, then the chain rule), as the cupy engine computes them
        (``blocks_per_sm``: default the ``__launch_bounds__`` minimum the kernel was compiled for)."""
        n = int(weights.shape[0])
        grid, _ = launch_config(n, sm_count, self.block, blocks_per_sm or self.min_blocks)
        n_out = self.plan.n_out
        partial = np.zeros((max(grid, 1), n_out))
        out = np.zeros(n_out)
        params = np.ascontiguousarray(params, dtype=np.float64)
        if grid == 0:
            return np.zeros(len(params) + 2)
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        cols = [np.ascontiguousarray(c) for c in columns]
        pointers = (ctypes.c_void_p * max(len(cols), 1))(*[c.ctypes.data for c in cols])
        dp = ctypes.POINTER(ctypes.c_double)
        self.lib.gl_run(ctypes.c_uint(grid), params.ctypes.data_as(dp), weights.ctypes.data_as(dp), pointers,
                        ctypes.c_longlong(n), ctypes.c_int(int(log)), ctypes.c_int(int(with_grad)),
                        partial.ctypes.data_as(dp))
        self.lib.gl_reduce(partial.ctypes.data_as(dp), ctypes.c_longlong(grid), ctypes.c_int(n_out),
                           out.ctypes.data_as(dp))
        return finish_sums(self.chain, params, out, with_grad)
