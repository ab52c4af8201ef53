"""Shared fixtures: one ``backend`` fixture over numpy / numba / cupy, and the laddu oracle."""

from __future__ import annotations

import os

import pytest

from gpu_laddu.backends.registry import backend_available, cuda_available

BACKENDS = ("numpy", "numba", "cupy")
_MPI_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """``GPU_LADDU_FAKE_CUPY=1``: the strict CPU stand-in for CuPy (tests/backends/fakecupy.py)
    replaces cupy for the whole run, so the GPU-marked tests run on the CPU."""
    if os.environ.get("GPU_LADDU_FAKE_CUPY") == "1":
        from tests.backends import fakecupy

        fakecupy.install()


def pytest_ignore_collect(collection_path, config):  # type: ignore[no-untyped-def]
    """Keep tests/mpi/ (run under mpiexec by tests/test_mpi_runs.py) out of the plain run."""
    in_mpi = any(v in os.environ for v in _MPI_RANK_VARS)
    if "mpi_scripts" in collection_path.parts and not in_mpi:
        return True
    return None


@pytest.fixture(params=[pytest.param(b, marks=pytest.mark.gpu) if b == "cupy" else b for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend name; cupy is skipped with a reason when no GPU is present."""
    name = request.param
    if name == "cupy" and not cuda_available():
        pytest.skip("cupy backend needs a CUDA GPU; none is present on this machine")
    if name != "cupy" and not backend_available(name):
        pytest.skip(f"backend {name!r} is not installed")
    return str(name)


@pytest.fixture
def ctx(backend: str):  # type: ignore[no-untyped-def]
    """An ExecutionContext for each backend (closed after the test)."""
    import gpu_laddu as gl

    device = "cuda" if backend == "cupy" else "cpu"
    context = gl.ExecutionContext(device=device, backend=backend)
    yield context
    context.close()


@pytest.fixture
def cpu_ctx():  # type: ignore[no-untyped-def]
    """The NumPy reference context."""
    import gpu_laddu as gl

    context = gl.ExecutionContext(device="cpu", backend="numpy")
    yield context
    context.close()


@pytest.fixture
def gpu_ctx():  # type: ignore[no-untyped-def]
    """A cupy context; the test is skipped with a reason when no GPU is present."""
    if not cuda_available():
        pytest.skip("needs a CUDA GPU; none is present on this machine")
    import gpu_laddu as gl

    context = gl.ExecutionContext(device="cuda", backend="cupy")
    yield context
    context.close()


@pytest.fixture(scope="session")
def laddu():  # type: ignore[no-untyped-def]
    """The laddu 0.28.1 oracle; tests are skipped with a reason when it is not installed."""
    mod = pytest.importorskip("laddu", reason="laddu==0.28.1 is not installed (pip install laddu==0.28.1)")
    if getattr(mod, "__version__", "") != "0.28.1":
        pytest.skip(f"parity tests need laddu 0.28.1, found {getattr(mod, '__version__', '?')}")
    return mod
