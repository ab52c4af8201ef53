"""CUDA C lowering: source of one fused likelihood ``RawKernel`` per graph, and its launch rules.

The kernel (``extern "C"``, named ``gpu_laddu_nll_<hash8>``) is a grid-stride loop over events
that computes the intensity and, when ``with_grad``, its derivatives, and accumulates per
thread, in double, either Σ w·ln I and Σ w·∂I/I (``log_mode``, data) or Σ w·I and Σ w·∂I (MC),
plus the count of events with I ≤ 0 or non-finite.  Each block then reduces its threads'
sums (warp shuffles, then one shared row per warp) into one row of ``partial``
(n_blocks × n_out).  A second tiny kernel, :data:`REDUCE_SOURCE`, sums the rows of
``partial`` column by column (one block per output, Kahan-compensated, then a fixed-shape
tree), so one call returns n_out doubles to the host.

Why a second kernel and not ``atomicAdd`` of doubles: the summation order, and so the result,
is then the same on every run for a given device and event count (bit-reproducible fits,
and MPI ranks that agree), at the cost of one extra launch of a few microseconds.

Uniform nodes (no column below) are computed in double by every thread before its loop
(a few hundred flops, negligible against the loop); in f32 mode the ones used per event are
then converted to float, all per-event math is float and the sums stay double.  Complex
numbers are ``thrust::complex`` from ``<cupy/complex.cuh>``.  Constants are C99 hexadecimal
float literals (exact).  Identifiers come from node numbers, never from names.

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> from gpu_laddu.codegen.plan import make_plan
>>> plan = make_plan(make("mul", (param("a"), param("a"))), ["a"])
>>> src = emit_cuda(plan, "f32")
>>> f'extern "C" __global__ void __launch_bounds__(GL_BLOCK) {plan.name}(' in src
True
>>> launch_config(1000, sm_count=132)
(4, 256)
"""

from __future__ import annotations

import math
from collections.abc import Callable

from gpu_laddu.codegen.plan import KernelPlan, complex_input, lower
from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node

BLOCK = 256
BLOCKS_PER_SM = 8
REDUCE_NAME = "gpu_laddu_reduce_partials"
#: the NVRTC options of the CI compile check (CuPy's RawKernel compiles with -std=c++17 by default too)
NVRTC_OPTIONS = ("-std=c++17",)

REDUCE_SOURCE = r"""// gpu_laddu: second stage of every likelihood reduction (one block per output column).
extern "C" __global__ void __launch_bounds__(256) gpu_laddu_reduce_partials(
    const double* __restrict__ partial, const long long n_blocks, const int n_out, double* __restrict__ out)
{
    __shared__ double gl_sum[256];
    const int k = blockIdx.x;
    double s = 0.0, c = 0.0;
    for (long long b = threadIdx.x; b < n_blocks; b += 256) {
        const double y = partial[b * n_out + k] - c;
        const double t = s + y;
        c = (t - s) - y;
        s = t;
    }
    gl_sum[threadIdx.x] = s;
    __syncthreads();
    for (int half = 128; half > 0; half >>= 1) {
        if (threadIdx.x < half) gl_sum[threadIdx.x] += gl_sum[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[k] = gl_sum[0];
}
"""


def launch_config(n_events: int, sm_count: int) -> tuple[int, int]:
    """(blocks, threads per block) of the fused kernel: enough blocks to fill the device, no more.

    >>> launch_config(0, 132), launch_config(10**8, 132)
    ((0, 256), (1056, 256))
    """
    if n_events <= 0:
        return 0, BLOCK
    return min(-(-int(n_events) // BLOCK), max(1, int(sm_count)) * BLOCKS_PER_SM), BLOCK


def cache_key(device_id: int, plan: KernelPlan, precision: str) -> tuple[str, int, str, str]:
    """Key of a compiled kernel in ``ctx.kernel_cache``: (target, device, plan key, precision).

    The plan key hashes the specialised graph's fingerprint (so it already distinguishes
    fixed parameters and activation masks) and the parameter order.
    """
    return ("cuda", int(device_id), plan.key, precision)


def _hex(x: float) -> str:
    if math.isnan(x):
        return "__longlong_as_double(0x7ff8000000000000LL)"
    if math.isinf(x):
        return f"__longlong_as_double({'0x7ff0000000000000LL' if x > 0 else '(long long)0xfff0000000000000ULL'})"
    return float(x).hex()


def literal(value: complex | float) -> str:
    """Exact CUDA C source of a double or complex<double> constant.

    >>> literal(0.5), literal(1j)
    ('0x1.0000000000000p-1', 'gl_c64(0x0.0p+0, 0x1.0000000000000p+0)')
    """
    if isinstance(value, complex):
        return f"gl_c64({_hex(value.real)}, {_hex(value.imag)})"
    return _hex(value)


class _Lowering:
    """Expression of each op; ``real``/``cplx`` are the C types of this context (uniform or event)."""

    def __init__(self, real: str, cplx: str) -> None:
        self.real = real
        self.cplx = cplx

    def expr(self, node: Node, args: list[str]) -> str:
        return lower(LOWER, "CUDA", self, node, args)


def _math(name: str) -> Callable[[_Lowering, Node, list[str]], str]:
    def rule(lw: _Lowering, n: Node, a: list[str]) -> str:
        return f"{'thrust::' if complex_input(n) else ''}{name}({a[0]})"

    return rule


LOWER: dict[str, Callable[[_Lowering, Node, list[str]], str]] = {
    "neg": lambda lw, n, a: f"-{a[0]}",
    "conj": lambda lw, n, a: f"thrust::conj({a[0]})" if complex_input(n) else a[0],
    "real": lambda lw, n, a: f"{a[0]}.real()" if complex_input(n) else a[0],
    "imag": lambda lw, n, a: f"{a[0]}.imag()" if complex_input(n) else f"({lw.real})0",
    "norm_sqr": lambda lw, n, a: (f"({a[0]}.real() * {a[0]}.real() + {a[0]}.imag() * {a[0]}.imag())"
                                  if complex_input(n) else f"{a[0]} * {a[0]}"),
    "abs": lambda lw, n, a: f"fabs({a[0]})",
    "sqrt": _math("sqrt"),
    "exp": _math("exp"),
    "log": _math("log"),
    "sin": lambda lw, n, a: f"sin({a[0]})",
    "cos": lambda lw, n, a: f"cos({a[0]})",
    "acos": lambda lw, n, a: f"acos({a[0]})",
    "atan2": lambda lw, n, a: f"atan2({a[0]}, {a[1]})",
    "cis": lambda lw, n, a: f"{lw.cplx}(cos({a[0]}), sin({a[0]}))",
    "to_complex": lambda lw, n, a: f"{lw.cplx}({a[0]})",
    "complex": lambda lw, n, a: f"{lw.cplx}({a[0]}, {a[1]})",
    "eq": lambda lw, n, a: f"(({a[0]}) == ({a[1]}) ? ({lw.real})1 : ({lw.real})0)",
    "add": lambda lw, n, a: f"{a[0]} + {a[1]}",
    "sub": lambda lw, n, a: f"{a[0]} - {a[1]}",
    "mul": lambda lw, n, a: f"{a[0]} * {a[1]}",
    "div": lambda lw, n, a: f"{a[0]} / {a[1]}",
}


class _Emitter:
    def __init__(self, plan: KernelPlan, precision: str) -> None:
        if precision not in ("f64", "f32"):
            raise IRError(f"precision must be 'f64' or 'f32', got {precision!r}")
        self.plan = plan
        self.precision = precision
        self.f32 = precision == "f32"
        self.uniform_lw = _Lowering("double", "gl_c64")
        self.event_lw = _Lowering("gl_real", "gl_cplx")
        self.col_index = {id(c): j for j, c in enumerate(plan.columns)}

    def ref(self, node: Node, event: bool) -> str:
        return self.plan.identifier(node, event, self.f32)

    def real_ref(self, node: Node) -> str:
        r = self.ref(node, True)
        return f"{r}.real()" if node.dtype == "complex" else r

    def uniform_line(self, node: Node) -> str:
        k = self.plan.number(node)
        ctype = "gl_c64" if node.dtype == "complex" else "double"
        if node.op == "const":
            expr = literal(node.attrs[0])
        elif node.op == "param":
            expr = f"p[{self.plan.param_slots[id(node)]}]"
        else:
            expr = self.uniform_lw.expr(node, [self.ref(i, False) for i in node.inputs])
        return f"const {ctype} u{k} = {expr};"

    def event_line(self, node: Node) -> str:
        k = self.plan.number(node)
        ctype = "gl_cplx" if node.dtype == "complex" else "gl_real"
        if node.op == "column":
            return f"const {ctype} e{k} = c{self.col_index[id(node)]}[i];"
        return f"const {ctype} e{k} = {self.event_lw.expr(node, [self.ref(i, True) for i in node.inputs])};"

    def source(self) -> str:
        plan = self.plan
        n_acc = len(plan.outputs)
        real_t = "float" if self.f32 else "double"
        args = ["const double* __restrict__ p", "const double* __restrict__ w"]
        args += [f"const {'gl_cplx' if c.dtype == 'complex' else 'gl_real'}* __restrict__ c{j}"
                 for j, c in enumerate(plan.columns)]
        args += ["const long long n", "const int log_mode", "const int with_grad", "double* __restrict__ partial"]
        out = [
            f"// Generated by gpu_laddu: fused likelihood kernel {plan.name} ({self.precision}); do not edit.",
            "#include <cupy/complex.cuh>",
            "",
            f"typedef {real_t} gl_real;",
            f"typedef thrust::complex<{real_t}> gl_cplx;",
            "typedef thrust::complex<double> gl_c64;",
            "",
            f"#define GL_BLOCK {BLOCK}",
            "#define GL_WARPS (GL_BLOCK / 32)",
            f"#define GL_N_OUT {plan.n_out}",
            "",
            "static __device__ __forceinline__ double gl_warp_sum(double v)",
            "{",
            "    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);",
            "    return v;",
            "}",
            "",
            f'extern "C" __global__ void __launch_bounds__(GL_BLOCK) {plan.name}(',
            ",\n".join(f"    {a}" for a in args) + ")",
            "{",
        ]
        add = out.append
        for node in plan.uniform:
            add(f"    {self.uniform_line(node)}")
        if self.f32:
            for node in plan.casts:
                k = plan.number(node)
                add(f"    const {'gl_cplx' if node.dtype == 'complex' else 'gl_real'} v{k} = "
                    f"{'gl_cplx' if node.dtype == 'complex' else '(gl_real)'}(u{k});")
        add("    " + " ".join(f"double s{k} = 0.0;" for k in range(n_acc)) + " double bad = 0.0;")
        add("    const long long stride = (long long)gridDim.x * GL_BLOCK;")
        add("    for (long long i = (long long)blockIdx.x * GL_BLOCK + threadIdx.x; i < n; i += stride) {")
        add("        const double wi = w[i];")
        for node in plan.value_nodes:
            add(f"        {self.event_line(node)}")
        out.extend([
            f"        const gl_real val = {self.real_ref(plan.outputs[0])};",
            "        double f, sc;",
            "        if (log_mode) {",
            "            if (!(val > (gl_real)0 && isfinite(val))) { bad += 1.0; continue; }",
            "            f = (double)log(val);",
            "            sc = wi / (double)val;",
            "        } else {",
            "            f = (double)val;",
            "            sc = wi;",
            "        }",
            "        s0 += wi * f;",
        ])
        if n_acc > 1:
            add("        if (with_grad) {")
            for node in plan.grad_nodes:
                add(f"            {self.event_line(node)}")
            for k, node in enumerate(plan.outputs[1:], start=1):
                add(f"            s{k} += sc * (double)({self.real_ref(node)});")
            add("        }")
        add("    }")
        acc = [f"s{k}" for k in range(n_acc)] + ["bad"]
        out.extend([
            "    __shared__ double gl_rows[GL_WARPS][GL_N_OUT];",
            "    const int lane = threadIdx.x & 31;",
            "    const int warp = threadIdx.x >> 5;",
            *(f"    {a} = gl_warp_sum({a});" for a in acc),
            "    if (lane == 0) {",
            *(f"        gl_rows[warp][{k}] = {a};" for k, a in enumerate(acc)),
            "    }",
            "    __syncthreads();",
            "    for (int k = threadIdx.x; k < GL_N_OUT; k += GL_BLOCK) {",
            "        double total = 0.0;",
            "        for (int j = 0; j < GL_WARPS; ++j) total += gl_rows[j][k];",
            "        partial[(long long)blockIdx.x * GL_N_OUT + k] = total;",
            "    }",
            "}",
        ])
        return "\n".join(out) + "\n"


def emit_cuda(plan: KernelPlan, precision: str = "f64") -> str:
    """CUDA C source of the fused kernel ``plan.name`` (see the module docstring)."""
    return _Emitter(plan, precision).source()
