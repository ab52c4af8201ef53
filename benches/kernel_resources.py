"""Registers, spills, shared memory and occupancy of every generated CUDA kernel, compiled by
NVRTC to an sm_90 cubin (ptxas runs; no GPU needed): the catalogue models of tests/codegen and
the K-matrix benchmark model, f64 and f32, and the second-stage reduction kernel.

    python benches/kernel_resources.py [--before-root DIR] [--out benches/results/kernel_resources.md]

``--before-root`` also compiles the kernels that the gpu_laddu checkout in DIR generates (for
a before/after table).  Occupancy: resident threads per SM over 2048 on Hopper, with the
blocks per SM that registers and shared memory allow (gpu_laddu.codegen.cuda_resources).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Prints {label: [[source, block], ...]} for the kernels of the gpu_laddu importable from the cwd:
# one source per block shape the engine tries, in its order (a checkout without shapes: one).
DUMP = r"""
import json, sys
sys.path.insert(0, ".")
from gpu_laddu.canonical import kmatrix_benchmark_model
from gpu_laddu.codegen import kernel_source
from gpu_laddu.codegen import cuda
from tests.codegen.models import MODELS
shapes = getattr(cuda, "SHAPES", ((cuda.BLOCK, 1),))
models = {"kmatrix_benchmark": kmatrix_benchmark_model().model}
models.update({name: build()[0] for name, build in sorted(MODELS.items())})
out = {}
for name, model in models.items():
    for precision in ("f64", "f32"):
        if hasattr(cuda, "SHAPES"):
            from gpu_laddu.codegen import kernel_plan
            plan = kernel_plan(model)
            out[f"{name} {precision}"] = [[cuda.emit_cuda(plan, precision, s), s[0]] for s in shapes]
        else:
            out[f"{name} {precision}"] = [[kernel_source(model, "cuda", precision=precision), cuda.BLOCK]]
out["reduce_partials"] = [[cuda.REDUCE_SOURCE, 256]]
print(json.dumps(out))
"""


def kernels(root: Path) -> dict[str, list[tuple[str, int]]]:
    res = subprocess.run([sys.executable, "-c", DUMP], cwd=root, capture_output=True, text=True, timeout=600,
                         check=True)
    return {k: [(src, int(block)) for src, block in v] for k, v in json.loads(res.stdout).items()}


def analyse(sources: dict[str, list[tuple[str, int]]]) -> dict[str, dict[str, float]]:
    """Resources of each kernel in the first shape that does not spill (else the last), as the engine picks."""
    from gpu_laddu.codegen.cuda_resources import HOPPER, blocks_per_sm
    from tests.codegen.nvrtc_tools import resources

    rows = {}
    for label, candidates in sources.items():
        block = candidates[-1][1]
        for source, candidate_block in candidates:
            (r,) = resources(source).values()
            block = candidate_block
            if r.stack_frame == 0:  # the engine's rule: CuPy's local_size_bytes == 0
                break
        per_sm = blocks_per_sm(r.registers, r.shared_bytes, block, HOPPER)
        rows[label] = {"registers": r.registers, "spill_stores": r.spill_stores, "spill_loads": r.spill_loads,
                       "stack": r.stack_frame, "shared": r.shared_bytes, "block": block, "blocks_per_sm": per_sm,
                       "occupancy": per_sm * block / HOPPER.max_threads_per_sm}
    return rows


def _cell(row: dict[str, float] | None) -> str:
    if row is None:
        return "| | | | |"
    spills = f"{row['spill_stores']:.0f}/{row['spill_loads']:.0f}"
    return (f"| {row['registers']:.0f} | {spills} | {row['shared']:.0f} | {row['block']:.0f}×{row['blocks_per_sm']:.0f}"
            f" = {row['occupancy']:.1%} |")


def table(after: dict[str, dict[str, float]], before: dict[str, dict[str, float]] | None) -> str:
    lines = ["# Generated CUDA kernels on sm_90 (NVRTC cubin, ptxas -v)", "",
             "Registers per thread, spill stores/loads (bytes per thread), static shared memory (bytes),",
             "block size × resident blocks per SM = occupancy (of 2048 threads per Hopper SM).", ""]
    if before is not None:
        lines += ["| kernel | before: regs | spills | smem | occupancy | after: regs | spills | smem | occupancy |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for label, row in after.items():
            lines.append(f"| {label} " + _cell(before.get(label)) + _cell(row)[1:])
    else:
        lines += ["| kernel | regs | spills | smem | occupancy |", "|---|---|---|---|---|"]
        lines += [f"| {label} " + _cell(row) for label, row in after.items()]
    return "\n".join(lines) + "\n"


def kmatrix_shapes() -> str:
    """The K-matrix benchmark kernel in every shape: why f64 stops at 168 registers."""
    from gpu_laddu.canonical import kmatrix_benchmark_model
    from gpu_laddu.codegen import kernel_plan
    from gpu_laddu.codegen.cuda import SHAPES, emit_cuda
    from gpu_laddu.codegen.cuda_resources import occupancy
    from tests.codegen.nvrtc_tools import resources

    plan = kernel_plan(kmatrix_benchmark_model().model)
    lines = ["", "## The K-matrix benchmark kernel in each block shape", "",
             f"{len(plan.columns)} complex columns, {plan.n_out} double accumulators (value, "
             f"{plan.n_out - 2} gradient sums, bad-event count). "
             "Block × `__launch_bounds__` minimum blocks per SM:", "",
             "| shape | f64 regs | f64 stack / spill st / spill ld | f64 occupancy | f32 regs | f32 stack / spills "
             "| f32 occupancy |", "|---|---|---|---|---|---|---|"]
    for block, min_blocks in (*SHAPES[:3], (128, 4), *SHAPES[3:]):
        cells = []
        for precision in ("f64", "f32"):
            (r,) = resources(emit_cuda(plan, precision, (block, min_blocks))).values()
            cells.append(f"{r.registers} | {r.stack_frame} / {r.spill_stores} / {r.spill_loads} | "
                         f"{occupancy(r.registers, r.shared_bytes, block):.1%}")
        lines.append(f"| {block}×{min_blocks} | " + " | ".join(cells) + " |")
    lines += ["",
              "In f64 the loop holds 15 complex columns (60 registers if all stay live) and 36 double",
              "accumulators (72 registers), more than 128 before any temporary. Keeping the uniform values in",
              "shared memory (244 → 208 registers unconstrained) and reloading the columns in the gradient",
              "section (→ 198) brings a no-spill fit down to 168 registers (3 blocks of 128 threads, 18.75%);",
              "at 128 registers ptxas still spills (table above). Moving all 34 gradient accumulators to",
              "per-thread shared-memory slots (128-thread blocks, 36 KiB) was measured too and still spilled",
              "188 bytes at 128 registers, so it is not used. f32 fits 128 registers without spills (25%)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before-root", type=Path, help="a gpu_laddu checkout to compare with")
    parser.add_argument("--out", type=Path, default=ROOT / "benches" / "results" / "kernel_resources.md")
    args = parser.parse_args(argv)
    after = analyse(kernels(ROOT))
    before = analyse(kernels(args.before_root)) if args.before_root else None
    text = table(after, before) + kmatrix_shapes()
    args.out.write_text(text)
    (args.out.with_suffix(".json")).write_text(json.dumps({"after": after, "before": before}, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
