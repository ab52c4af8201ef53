"""Every generated kernel fits Hopper: compiled by NVRTC to an sm_90 cubin (ptxas runs, no GPU
needed), in the block shape the engine would pick (the first of ``SHAPES`` that does not
spill), it has no spills, static shared memory under 48 KiB and registers within its
``__launch_bounds__``; the K-matrix benchmark kernel reaches 25% occupancy in f32 (≤ 128
registers) and 18.75% in f64 (≤ 168, where 128 spills: benches/results/kernel_resources.md).
The launch takes the blocks per SM these resources allow, checked here against the rule of
the CUDA occupancy calculator and through the engine on a fake 132-SM device."""

from __future__ import annotations

import pytest

from gpu_laddu.canonical import kmatrix_benchmark_model
from gpu_laddu.codegen import kernel_plan
from gpu_laddu.codegen.cuda import DEFAULT_SHAPE, REDUCE_NAME, REDUCE_SOURCE, SHAPES, emit_cuda, launch_config
from gpu_laddu.codegen.cuda_resources import (
    HOPPER,
    STATIC_SHARED_LIMIT,
    DeviceLimits,
    KernelResources,
    blocks_per_sm,
    occupancy,
    parse_ptxas_log,
)
from gpu_laddu.errors import IRError
from tests.codegen import nvrtc_tools
from tests.codegen.models import MODELS

needs_nvrtc = pytest.mark.skipif(nvrtc_tools.nvrtc() is None,
                                 reason="NVRTC is not available; pip install 'nvidia-cuda-nvrtc==13.0.*'")
MODEL_BUILDERS = {"kmatrix_benchmark": lambda: kmatrix_benchmark_model().model,
                  **{name: (lambda b=build: b()[0]) for name, build in MODELS.items()}}


def _pick(plan, precision) -> tuple[tuple[int, int], KernelResources]:
    """The engine's choice: the first shape whose compiled kernel uses no local memory (CuPy's
    ``local_size_bytes`` is the stack frame), else the last (no register cap)."""
    for shape in SHAPES:
        (r,) = nvrtc_tools.resources(emit_cuda(plan, precision, shape)).values()
        if r.stack_frame == 0:
            break
    return shape, r


@needs_nvrtc
@pytest.mark.parametrize("precision", ["f64", "f32"])
@pytest.mark.parametrize("name", sorted(MODEL_BUILDERS))
def test_every_kernel_fits_sm90_without_spills(name, precision):
    plan = kernel_plan(MODEL_BUILDERS[name]())
    (block, min_blocks), r = _pick(plan, precision)
    assert r.name == plan.name
    assert r.spills == 0, f"{name} {precision} spills in every shape: {r}"
    assert r.shared_bytes <= STATIC_SHARED_LIMIT
    assert r.registers * block * min_blocks <= HOPPER.regs_per_sm  # ptxas honoured __launch_bounds__
    assert blocks_per_sm(r.registers, r.shared_bytes, block) >= min_blocks
    (free,) = nvrtc_tools.resources(emit_cuda(plan, precision, DEFAULT_SHAPE)).values()  # no register cap
    assert occupancy(r.registers, r.shared_bytes, block) >= occupancy(free.registers, free.shared_bytes,
                                                                       DEFAULT_SHAPE[0])


@needs_nvrtc
@pytest.mark.parametrize(("precision", "max_registers", "min_occupancy"), [("f32", 128, 0.25), ("f64", 168, 0.1875)])
def test_kmatrix_benchmark_kernel_registers(precision, max_registers, min_occupancy):
    plan = kernel_plan(kmatrix_benchmark_model().model)
    (block, _), r = _pick(plan, precision)
    assert r.spills == 0 and r.registers <= max_registers
    assert occupancy(r.registers, r.shared_bytes, block) >= min_occupancy


@needs_nvrtc
def test_reduction_kernel_fits():
    r = nvrtc_tools.resources(REDUCE_SOURCE)[REDUCE_NAME]
    assert r.spills == 0 and r.shared_bytes == 256 * 8 and blocks_per_sm(r.registers, r.shared_bytes, 256) == 8


def test_ptxas_report_is_parsed():
    log = """ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'a' for 'sm_90'
ptxas info    : Function properties for a
ptxas         .     200 bytes stack frame, 524 bytes spill stores, 364 bytes spill loads
ptxas info    : Used 128 registers, used 1 barriers, 200 bytes cumulative stack size, 2304 bytes smem
ptxas info    : Compiling entry function 'b' for 'sm_90'
ptxas info    : Function properties for b
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 32 registers
"""
    got = parse_ptxas_log(log)
    assert got["a"] == KernelResources("a", 128, 2304, 200, 524, 364) and got["a"].spills == 888
    assert got["b"] == KernelResources("b", 32, 0) and got["b"].spills == 0


@pytest.mark.parametrize(("registers", "shared", "block", "expected"), [
    (244, 2304, 256, 1),  # 248 regs/thread: 2 warps per sub-partition
    (168, 1440, 128, 3),  # 3 warps per sub-partition = 12 warps = 3 blocks of 4
    (128, 2448, 256, 2),
    (64, 0, 256, 4),
    (32, 0, 256, 8),  # thread limit: 2048 / 256
    (32, 0, 32, 32),  # block limit
    (32, 40 * 1024, 256, 5),  # shared memory: 233472 // (40960 + 1024)
    (255, 0, 1024, 0),  # does not fit at all
])
def test_blocks_per_sm_follows_the_occupancy_rule(registers, shared, block, expected):
    assert blocks_per_sm(registers, shared, block, HOPPER) == expected


def test_bad_block_or_registers():
    with pytest.raises(IRError, match="block"):
        blocks_per_sm(32, 0, 100)
    with pytest.raises(IRError, match="registers"):
        blocks_per_sm(300, 0, 256)
    with pytest.raises(IRError, match="shape"):
        emit_cuda(kernel_plan(MODELS["coherent"]()[0]), "f64", (100, 1))


def test_device_limits_from_properties():
    props = {"multiProcessorCount": 132, "regsPerMultiprocessor": 65536, "maxThreadsPerMultiProcessor": 2048,
             "maxBlocksPerMultiProcessor": 32, "sharedMemPerMultiprocessor": 233472, "reservedSharedMemPerBlock": 1024}
    assert DeviceLimits.from_properties(props) == HOPPER
    ampere = DeviceLimits.from_properties({**props, "multiProcessorCount": 108, "maxThreadsPerMultiProcessor": 2048,
                                          "sharedMemPerMultiprocessor": 167936})
    assert blocks_per_sm(32, 40 * 1024, 256, ampere) == 4


def test_launch_fills_132_sms_with_what_the_kernel_allows():
    per_sm = blocks_per_sm(168, 1440, 128)
    assert launch_config(10**8, 132, 128, per_sm) == (132 * 3, 128)
    assert launch_config(1000, 132, 128, per_sm) == (8, 128)


def test_the_shared_reduction_buffer_is_bounded_for_any_output_count():
    from gpu_laddu.codegen import cuda

    plan = kernel_plan(MODELS["kmatrix_like"]()[0])
    src = emit_cuda(plan, "f64", (256, 1))
    assert f"#define GL_ROW_CHUNK {plan.n_out}" in src
    assert plan.n_out > 4
    old = cuda.ROW_CHUNK
    cuda.ROW_CHUNK = 4
    try:
        chunked = emit_cuda(plan, "f64", (256, 1))
    finally:
        cuda.ROW_CHUNK = old
    assert "#define GL_ROW_CHUNK 4" in chunked
    assert chunked.count("gl_rows[warp][0] = ") == -(-plan.n_out // 4)
