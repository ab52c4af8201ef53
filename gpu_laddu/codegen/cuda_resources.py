"""What a compiled CUDA kernel uses (registers, spills, shared memory) and the occupancy it allows.

:func:`parse_ptxas_log` reads ptxas's ``-v`` report (NVRTC's program log with
``-Xptxas -v``), so CI checks the *compiled* sm_90 kernels without a GPU;
:func:`blocks_per_sm` is the CUDA occupancy rule (registers per warp rounded to the
allocation unit and shared out per SM sub-partition, shared memory with the per-block
reservation, threads and blocks per SM), fed on a GPU by the compiled kernel's attributes
and the device's properties (:meth:`DeviceLimits.from_properties`).

Examples
--------
>>> log = '''ptxas info    : Compiling entry function 'k' for 'sm_90'
... ptxas info    : Function properties for k
... ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
... ptxas info    : Used 168 registers, used 1 barriers, 1448 bytes smem'''
>>> r = parse_ptxas_log(log)["k"]
>>> r.registers, r.spills, r.shared_bytes
(168, 0, 1448)
>>> blocks_per_sm(r.registers, r.shared_bytes, 128, HOPPER)
3
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gpu_laddu.errors import IRError

#: static shared memory a kernel may declare (bytes)
STATIC_SHARED_LIMIT = 48 * 1024


@dataclass(frozen=True)
class KernelResources:
    """One kernel's resources as ptxas reports them (bytes, except ``registers``)."""

    name: str
    registers: int
    shared_bytes: int
    stack_frame: int = 0
    spill_stores: int = 0
    spill_loads: int = 0

    @property
    def spills(self) -> int:
        """Bytes of spill stores and loads per thread (0: everything stays in registers)."""
        return self.spill_stores + self.spill_loads


@dataclass(frozen=True)
class DeviceLimits:
    """Per-SM limits of a GPU (defaults: Hopper, sm_90, as on an H100/H200)."""

    sm_count: int
    regs_per_sm: int = 65536
    max_threads_per_sm: int = 2048
    max_blocks_per_sm: int = 32
    shared_per_sm: int = 233472  # 228 KiB
    reserved_shared_per_block: int = 1024
    reg_alloc_unit: int = 256
    sub_partitions: int = 4
    max_regs_per_thread: int = 255

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> DeviceLimits:
        """From ``cupy.cuda.runtime.getDeviceProperties(i)`` (missing keys keep Hopper's values).

        >>> DeviceLimits.from_properties({"multiProcessorCount": 132}).sm_count
        132
        """
        keys = {"sm_count": "multiProcessorCount", "regs_per_sm": "regsPerMultiprocessor",
                "max_threads_per_sm": "maxThreadsPerMultiProcessor", "max_blocks_per_sm": "maxBlocksPerMultiProcessor",
                "shared_per_sm": "sharedMemPerMultiprocessor", "reserved_shared_per_block": "reservedSharedMemPerBlock"}
        return cls(**{f: int(props[k]) for f, k in keys.items() if k in props and props[k] is not None}
                   | ({} if "multiProcessorCount" in props else {"sm_count": 1}))


HOPPER = DeviceLimits(sm_count=132)

_ENTRY = re.compile(r"Compiling entry function '([^']+)'")
_PROPS = re.compile(r"Function properties for (\S+)")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers(?:.*?, (\d+) bytes smem)?")


def parse_ptxas_log(log: str) -> dict[str, KernelResources]:
    """Resources of each entry function in a ``ptxas -v`` report, by kernel name."""
    out: dict[str, KernelResources] = {}
    name: str | None = None
    frame = (0, 0, 0)
    for line in log.splitlines():
        if m := _ENTRY.search(line):
            name, frame = m.group(1), (0, 0, 0)
        elif m := _PROPS.search(line):
            name = m.group(1)
        elif m := _FRAME.search(line):
            frame = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif (m := _USED.search(line)) and name is not None:
            out[name] = KernelResources(name, int(m.group(1)), int(m.group(2) or 0), *frame)
    return out


def blocks_per_sm(registers: int, shared_bytes: int, block: int, limits: DeviceLimits = HOPPER) -> int:
    """Resident blocks of ``block`` threads per SM that the kernel's registers and shared memory allow.

    >>> [blocks_per_sm(r, 2304, 256) for r in (244, 167, 128, 64, 32)]
    [1, 1, 2, 4, 8]
    """
    if block <= 0 or block % 32:
        raise IRError(f"block must be a positive multiple of 32 threads, got {block}")
    if registers > limits.max_regs_per_thread:
        raise IRError(f"{registers} registers per thread exceed the device's {limits.max_regs_per_thread}")
    warps = block // 32
    per_warp = -(-max(int(registers), 1) * 32 // limits.reg_alloc_unit) * limits.reg_alloc_unit
    warps_by_regs = (limits.regs_per_sm // limits.sub_partitions // per_warp) * limits.sub_partitions
    by_regs = warps_by_regs // warps
    by_shared = limits.shared_per_sm // (int(shared_bytes) + limits.reserved_shared_per_block)
    by_threads = limits.max_threads_per_sm // block
    return max(0, min(by_regs, by_shared, by_threads, limits.max_blocks_per_sm))


def occupancy(registers: int, shared_bytes: int, block: int, limits: DeviceLimits = HOPPER) -> float:
    """Fraction of the SM's thread slots the kernel can fill.

    >>> occupancy(168, 1448, 128), occupancy(244, 2304, 256)
    (0.1875, 0.125)
    """
    return blocks_per_sm(registers, shared_bytes, block, limits) * block / limits.max_threads_per_sm
