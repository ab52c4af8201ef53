"""CUDA C lowering: source of one fused likelihood ``RawKernel`` per graph, and its launch rules.

The kernel (``extern "C"``, named ``gpu_laddu_nll_<hash8>``) is a grid-stride loop over events
that computes the intensity and, when ``with_grad``, its derivatives, and accumulates per
thread, in double, either Σ w·ln I and Σ w·∂I/I (``log_mode``, data) or Σ w·I and Σ w·∂I (MC),
plus the count of events with I ≤ 0 or non-finite.  Each block then reduces its threads'
sums (warp shuffles, then one shared row per warp) into one row of ``partial``
(n_blocks × n_out).  A second tiny kernel, :data:`REDUCE_SOURCE`, sums the rows of
``partial`` column by column (one block per output, Kahan-compensated, then a fixed-shape
tree), so one call returns n_out doubles to the host.

Register budget (Hopper: 64 Ki registers per SM): the uniform values the event loop reads
are kept in shared memory (one copy per block, read through a ``volatile`` pointer so the
compiler does not hoist them back into registers), and the gradient section reloads the
columns it needs (a non-coherent load, L1-resident) instead of keeping every column live
across the value computation.  A kernel is emitted for a block shape (threads per block and
the resident blocks per SM asked of ptxas through ``__launch_bounds__``); the engine compiles
the shapes of :data:`SHAPES` in order, most occupancy first, and keeps the first whose kernel
does not spill, then launches as many blocks per SM as the compiled kernel's registers and
shared memory allow (:func:`gpu_laddu.codegen.cuda_resources.blocks_per_sm`).
The block reduction goes through a shared buffer of at most :data:`ROW_CHUNK` outputs at a
time, so any number of outputs fits the 48 KiB of static shared memory.

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
>>> f'extern "C" __global__ void __launch_bounds__(GL_BLOCK, GL_MIN_BLOCKS) {plan.name}(' in src
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
#: (threads per block, minimum resident blocks per SM for ``__launch_bounds__``) of the fused
#: kernel, most occupancy first (register caps 64, 80, 128, 168, 255 on Hopper): the engine
#: keeps the first that compiles without spills (benches/results/kernel_resources.md)
SHAPES = ((256, 4), (256, 3), (256, 2), (128, 3), (256, 1))
#: the shape of :func:`emit_cuda` when none is named: no register cap (the compiler's choice)
DEFAULT_SHAPE = (BLOCK, 1)
#: outputs reduced through shared memory at a time (GL_WARPS × ROW_CHUNK doubles)
ROW_CHUNK = 256
#: uniform values kept in shared memory (reals; a complex value takes two); the rest stay in registers
MAX_SHARED_UNIFORMS = 2048
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


def launch_config(n_events: int, sm_count: int, block: int = BLOCK,
                  blocks_per_sm: int = BLOCKS_PER_SM) -> tuple[int, int]:
    """(blocks, threads per block) of the fused kernel: enough blocks to fill the device, no more.

    ``blocks_per_sm`` is what the compiled kernel's registers and shared memory allow
    (:func:`gpu_laddu.codegen.cuda_resources.blocks_per_sm`); beyond a full device the
    threads loop over events (grid-stride).

    >>> launch_config(0, 132), launch_config(10**8, 132), launch_config(10**8, 132, 128, 3)
    ((0, 256), (1056, 256), (396, 128))
    """
    if n_events <= 0:
        return 0, block
    return min(-(-int(n_events) // block), max(1, int(sm_count)) * max(1, int(blocks_per_sm))), block


def source_shape(source: str) -> tuple[int, int]:
    """(threads per block, minimum blocks per SM) a fused kernel's source was emitted for.

    >>> from gpu_laddu.ir.nodes import param
    >>> from gpu_laddu.codegen.plan import make_plan
    >>> source_shape(emit_cuda(make_plan(param("a"), ["a"]), shape=(128, 3)))
    (128, 3)
    """
    def define(name: str) -> int:
        return int(source.split(f"#define {name} ", 1)[1].split(None, 1)[0])

    return define("GL_BLOCK"), define("GL_MIN_BLOCKS")


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
    def __init__(self, plan: KernelPlan, precision: str, shape: tuple[int, int] | None = None) -> None:
        if precision not in ("f64", "f32"):
            raise IRError(f"precision must be 'f64' or 'f32', got {precision!r}")
        self.block, self.min_blocks = shape or DEFAULT_SHAPE
        if self.block <= 0 or self.block % 32 or self.block > 1024 or self.min_blocks < 1:
            raise IRError(f"shape must be (a multiple of 32 up to 1024 threads, >= 1 blocks), got {shape!r}")
        self.plan = plan
        self.precision = precision
        self.f32 = precision == "f32"
        self.uniform_lw = _Lowering("double", "gl_c64")
        self.event_lw = _Lowering("gl_real", "gl_cplx")
        self.col_index = {id(c): j for j, c in enumerate(plan.columns)}
        # uniform values read by the event loop: shared memory slots (the first MAX_SHARED_UNIFORMS reals)
        self.shared: dict[int, tuple[int, str]] = {}
        size = 0
        for node in plan.casts:
            if node.op == "const":
                continue  # a literal: folded into the instructions, no register held
            width = 2 if node.dtype == "complex" else 1
            if size + width > MAX_SHARED_UNIFORMS:
                break
            ref = (f"gl_cplx((gl_real)gl_uv[{size}], (gl_real)gl_uv[{size + 1}])" if width == 2
                   else f"((gl_real)gl_uv[{size}])")
            self.shared[id(node)] = (size, ref)
            size += width
        self.n_shared = size
        self.reload = False  # inside the gradient section: columns are loaded again

    def ref(self, node: Node, event: bool) -> str:
        if event and id(node) in self.shared:
            return self.shared[id(node)][1]
        if event and self.reload and node.op == "column" and node.dtype == "complex":
            return f"e{self.plan.number(node)}r"
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
        asm_t, asm_c = ("f32", "f") if self.f32 else ("f64", "d")
        out = [
            f"// Generated by gpu_laddu: fused likelihood kernel {plan.name} ({self.precision}); do not edit.",
            "#include <cupy/complex.cuh>",
            "",
            f"typedef {real_t} gl_real;",
            f"typedef thrust::complex<{real_t}> gl_cplx;",
            "typedef thrust::complex<double> gl_c64;",
            "",
            f"#define GL_BLOCK {self.block}",
            f"#define GL_MIN_BLOCKS {self.min_blocks}",
            "#define GL_WARPS (GL_BLOCK / 32)",
            f"#define GL_N_OUT {plan.n_out}",
            f"#define GL_ROW_CHUNK {min(plan.n_out, ROW_CHUNK)}",
            "",
            "// a column value loaded again instead of kept live in registers (never merged with the first load)",
            "static __device__ __forceinline__ gl_cplx gl_reload(const gl_cplx* __restrict__ q)",
            "{",
            "#ifdef __CUDA_ARCH__",
            f"    {'float' if self.f32 else 'double'} x, y;",
            f'    asm volatile("ld.global.nc.v2.{asm_t} {{%0, %1}}, [%2];" : "={asm_c}"(x), "={asm_c}"(y) : "l"(q));',
            "    return gl_cplx(x, y);",
            "#else",
            "    return *q;",
            "#endif",
            "}",
            "",
            "static __device__ __forceinline__ double gl_warp_sum(double v)",
            "{",
            "    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);",
            "    return v;",
            "}",
            "",
            f'extern "C" __global__ void __launch_bounds__(GL_BLOCK, GL_MIN_BLOCKS) {plan.name}(',
            ",\n".join(f"    {a}" for a in args) + ")",
            "{",
        ]
        add = out.append
        for node in plan.uniform:
            add(f"    {self.uniform_line(node)}")
        if self.f32:
            for node in plan.casts:
                if id(node) in self.shared:
                    continue
                k = plan.number(node)
                add(f"    const {'gl_cplx' if node.dtype == 'complex' else 'gl_real'} v{k} = "
                    f"{'gl_cplx' if node.dtype == 'complex' else '(gl_real)'}(u{k});")
        if self.shared:
            add(f"    __shared__ gl_real gl_u[{self.n_shared}];")
            add("    volatile gl_real* const gl_uv = gl_u;  // read per use, never hoisted into registers")
            add("    if (threadIdx.x == 0) {")
            for node in plan.casts:
                if id(node) not in self.shared:
                    continue
                k, u = self.shared[id(node)][0], f"u{plan.number(node)}"
                if node.dtype == "complex":
                    add(f"        gl_u[{k}] = (gl_real){u}.real(); gl_u[{k + 1}] = (gl_real){u}.imag();")
                else:
                    add(f"        gl_u[{k}] = (gl_real){u};")
            add("    }")
            add("    __syncthreads();")
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
            self.reload = True
            grad_inputs = {id(i) for n in (*plan.grad_nodes, *plan.outputs[1:]) for i in (n, *n.inputs)}
            for c in plan.columns:
                if c.dtype == "complex" and id(c) in grad_inputs:
                    add(f"            const gl_cplx e{plan.number(c)}r = gl_reload(c{self.col_index[id(c)]} + i);")
            for node in plan.grad_nodes:
                add(f"            {self.event_line(node)}")
            for k, node in enumerate(plan.outputs[1:], start=1):
                add(f"            s{k} += sc * (double)({self.real_ref(node)});")
            self.reload = False
            add("        }")
        add("    }")
        acc = [f"s{k}" for k in range(n_acc)] + ["bad"]
        out.extend([
            "    __shared__ double gl_rows[GL_WARPS][GL_ROW_CHUNK];",
            "    const int lane = threadIdx.x & 31;",
            "    const int warp = threadIdx.x >> 5;",
            *(f"    {a} = gl_warp_sum({a});" for a in acc),
        ])
        chunk = min(plan.n_out, ROW_CHUNK)
        for lo in range(0, len(acc), chunk):
            part = acc[lo:lo + chunk]
            out.extend([
                *(["    __syncthreads();"] if lo else []),
                "    if (lane == 0) {",
                *(f"        gl_rows[warp][{k}] = {a};" for k, a in enumerate(part)),
                "    }",
                "    __syncthreads();",
                f"    for (int k = threadIdx.x; k < {len(part)}; k += GL_BLOCK) {{",
                "        double total = 0.0;",
                "        for (int j = 0; j < GL_WARPS; ++j) total += gl_rows[j][k];",
                f"        partial[(long long)blockIdx.x * GL_N_OUT + {lo} + k] = total;",
                "    }",
            ])
        out.append("}")
        return "\n".join(out) + "\n"


def emit_cuda(plan: KernelPlan, precision: str = "f64", shape: tuple[int, int] | None = None) -> str:
    """CUDA C source of the fused kernel ``plan.name`` (see the module docstring).

    ``shape``: (threads per block, ``__launch_bounds__`` minimum of resident blocks per SM),
    one of :data:`SHAPES`; default :data:`DEFAULT_SHAPE` (no register cap).
    """
    return _Emitter(plan, precision, shape).source()
