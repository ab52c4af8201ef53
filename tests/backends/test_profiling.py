"""NVTX ranges: every phase of a fit's path opens its range, through the ``nvtx`` package or
CuPy's binding, and nothing breaks without either."""

import contextlib
import sys
import types

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu import profiling
from tests.codegen.models import MODELS, datasets


@pytest.fixture
def rebind(monkeypatch):
    """Forget the resolved binding before and after the test."""
    monkeypatch.setattr(profiling._Binding, "resolved", False)
    monkeypatch.setattr(profiling._Binding, "opener", None)
    yield
    profiling._Binding.resolved = False


@pytest.fixture
def recorded(monkeypatch, rebind):
    names = []
    fake = types.ModuleType("nvtx")

    @contextlib.contextmanager
    def annotate(message, domain=None):
        assert domain == "gpu_laddu"
        names.append(message)
        yield

    fake.annotate = annotate
    monkeypatch.setitem(sys.modules, "nvtx", fake)
    return names


@pytest.mark.parametrize("normalization", ["events", "auto"])
def test_every_phase_opens_its_range(recorded, ctx, normalization):
    data, mc = datasets(ctx, 500, 500)
    assert "gpu_laddu:load" in recorded
    model, p = MODELS["kmatrix_like"]()
    nll = gl.NLL(model, data, mc, normalization=normalization)
    assert "gpu_laddu:precompute" in recorded
    recorded.clear()
    nll.value_and_gradient(p)
    phases = {"gpu_laddu:evaluate", "gpu_laddu:communicate"}
    if ctx.backend != "numba":  # numba reduces inside its fused kernel
        phases.add("gpu_laddu:reduce")
    assert phases <= set(recorded)
    assert profiling.range_backend() == "nvtx"


def test_ranges_are_noops_without_a_binding(monkeypatch, rebind):
    monkeypatch.setitem(sys.modules, "nvtx", None)  # `import nvtx` fails
    with profiling.annotate("evaluate"):
        pass
    assert profiling.range_backend() in ("cupy", "none")  # CuPy's binding when cupy is loaded
    if "cupy" not in sys.modules:
        assert profiling.range_backend() == "none"
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx, 100, 100)
    model, p = MODELS["coherent"]()
    assert np.isfinite(gl.NLL(model, data, mc).value(p))


def test_cupy_binding_pushes_and_pops(monkeypatch, rebind):
    calls = []
    fake_nvtx = types.SimpleNamespace(available=True, RangePush=lambda label: calls.append(("push", label)),
                                      RangePop=lambda: calls.append(("pop",)))
    cuda = types.ModuleType("cupy.cuda")
    cuda.nvtx = fake_nvtx
    cupy = types.ModuleType("cupy")
    cupy.cuda = cuda
    monkeypatch.setitem(sys.modules, "nvtx", None)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cupy.cuda", cuda)
    monkeypatch.setitem(sys.modules, "cupy.cuda.nvtx", fake_nvtx)
    with profiling.annotate("reduce"):
        calls.append(("body",))
    assert calls == [("push", "gpu_laddu:reduce"), ("body",), ("pop",)]
    assert profiling.range_backend() == "cupy"
