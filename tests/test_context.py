import subprocess
import sys

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.backends.registry import cuda_available


def test_import_loads_no_accelerator_library():
    code = (
        "import sys, gpu_laddu; "
        "bad=[m for m in ('cupy','cudf','numba','mpi4py') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, f"import gpu_laddu imported: {res.stdout} {res.stderr}"


def test_resolves_cpu_backends():
    with gl.ExecutionContext(device="cpu", backend="numpy") as ctx:
        assert ctx.xp is np and ctx.device == "cpu" and ctx.complex_dtype is np.complex128
    ctx = gl.ExecutionContext(device="cpu", backend="numba", precision="f32", threads=1)
    assert ctx.backend == "numba" and ctx.real_dtype is np.float32 and ctx.threads == 1
    ctx.close()
    assert ctx.closed


def test_auto_picks_cpu_without_gpu():
    if cuda_available():
        pytest.skip("a GPU is present")
    assert gl.ExecutionContext().device == "cpu"


def test_cuda_without_gpu_names_extra():
    if cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(gl.BackendUnavailableError, match=r"gpu_laddu\[cuda\]"):
        gl.ExecutionContext(device="cuda")
    with pytest.raises(gl.BackendUnavailableError, match="GPU"):
        gl.ExecutionContext(backend="cupy")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"device": "tpu"}, "unknown device"),
        ({"device": "cuda:x"}, "bad CUDA device"),
        ({"backend": "torch"}, "unknown backend"),
        ({"precision": "f16"}, "precision"),
        ({"threads": 0}, "threads"),
        ({"threads": 1.5}, "threads"),
        ({"comm": "gloo"}, "unknown comm"),
        ({"device": "cpu", "backend": "numpy", "comm": "nccl"}, "nccl"),
    ],
)
def test_bad_requests(kwargs, match):
    with pytest.raises(gl.ContextError, match=match):
        gl.ExecutionContext(**kwargs)


def test_missing_numba_names_extra(monkeypatch):
    from gpu_laddu.backends import registry

    monkeypatch.setitem(registry._LOADERS, "numba", ("no_such_module_xyz", "X", "numba"))
    monkeypatch.delitem(registry._CACHE, "numba", raising=False)
    with pytest.raises(gl.BackendUnavailableError, match=r"gpu_laddu\[numba\]"):
        gl.ExecutionContext(device="cpu", backend="numba")


def test_context_is_frozen():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    with pytest.raises(AttributeError):
        ctx._precision = "f32"  # type: ignore[misc]


def test_scratch_pool_reuses_buffers():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    a = ctx.scratch.get("x", (10,), np.float64)
    b = ctx.scratch.get("x", (10,), np.float64)
    assert a is b and ctx.scratch.allocations == 1
    c = ctx.scratch.get("x", (11,), np.float64)
    assert c is not a and ctx.scratch.allocations == 2


def test_thread_scope_sets_and_restores_numba_threads():
    import numba

    before = numba.get_num_threads()
    ctx = gl.ExecutionContext(device="cpu", backend="numba", threads=1)
    with ctx.thread_scope():
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def test_default_context_is_shared():
    assert gl.default_context() is gl.default_context()
