"""The generated CUDA kernels, run on the CPU by a C++ emulator of their CUDA features
(thread blocks, warp shuffles, barriers, the two-stage reduction), agree with the
NumPy interpreter.  See ``cuda_emulator.py``; on a GPU, tests/gpu runs them for real."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.codegen.plan import make_plan
from gpu_laddu.likelihood.engines import InterpreterEngine
from tests.codegen import cuda_emulator
from tests.codegen.models import MODELS, datasets
from tests.helpers import col

pytestmark = pytest.mark.skipif(not cuda_emulator.available(), reason="needs g++ (C++20) to emulate CUDA on the CPU")


def _close(a, b, tol):
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b)), (a, b)


@pytest.mark.parametrize(("name", "precision", "shape", "row_chunk"), [
    ("coherent", "f64", None, None), ("kmatrix_like", "f64", None, None), ("all_ops", "f64", None, None),
    ("breit_wigner", "f32", None, None),
    ("kmatrix_like", "f64", (128, 3), 3),  # blocks of 128; the outputs reduced through shared memory 3 at a time
    ("coherent", "f32", (256, 2), None),
])
def test_emulated_kernel_matches_interpreter(name, precision, shape, row_chunk, monkeypatch):
    if row_chunk is not None:
        monkeypatch.setattr("gpu_laddu.codegen.cuda.ROW_CHUNK", row_chunk)
    ctx = gl.ExecutionContext(device="cpu", backend="numpy", precision=precision)
    data, _ = datasets(ctx, 5000, 10)
    model, p = MODELS[name]()
    ev = model.load(data)
    graph = ev.specialized_graph()
    plan = make_plan(graph[0], ev.parameters)
    kernel = cuda_emulator.EmulatedKernel(plan, precision, shape)
    columns = [ev.cache[c.attrs[0].key] for c in plan.columns]
    reference = InterpreterEngine(ctx, ev.cache, ev.weights, ev.parameters)
    tol = 1e-12 if precision == "f64" else 2e-5
    for log in (True, False):
        # sm_count=1: a few blocks for 5000 events, so threads loop (grid-stride)
        got = kernel.sums(np.array(p), ev.weights, columns, log, True, sm_count=1)
        want = reference.sums(graph, np.array(p), log, True)
        _close(got[:-1], want[:-1], tol)
        assert got[-1] == want[-1] == 0
    value_only = kernel.sums(np.array(p), ev.weights, columns, True, False, sm_count=1)
    assert np.all(value_only[1:-1] == 0)
    assert value_only[0] == kernel.sums(np.array(p), ev.weights, columns, True, True, sm_count=1)[0]
    ctx.close()


def test_emulated_kernel_counts_bad_events():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, _ = datasets(ctx, 777, 10)
    a = gl.parameter("a")
    ev = gl.Model(gl.Scalar("S", a).real() + col("y")).load(data)
    graph = ev.specialized_graph()
    plan = make_plan(graph[0], ev.parameters)
    kernel = cuda_emulator.EmulatedKernel(plan, "f64")
    cols = [ev.cache[c.attrs[0].key] for c in plan.columns]
    got = kernel.sums(np.array([0.5]), ev.weights, cols, True, True, sm_count=132)  # 4 blocks, one event per thread
    y = ctx.to_numpy(data.scalar("y"))
    assert got[-1] == np.count_nonzero(0.5 + y <= 0)
    assert kernel.sums(np.array([0.5]), ev.weights[:0], [c[:0] for c in cols], True, True, 132).tolist() == [0.0] * 3


def test_the_emulator_compiles_against_cupys_complex_header():
    if not cuda_emulator.cupy_include_flags():
        pytest.skip("cupy is not installed: std::complex stands in for thrust::complex")
    shim = cuda_emulator._shim()
    assert "#include <cupy/complex.cuh>" in shim and "std::complex<T>" not in shim
