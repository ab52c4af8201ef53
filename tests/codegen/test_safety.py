"""No user-supplied string reaches generated source: hostile names compile and compute correctly."""

import numpy as np
import pytest

import gpu_laddu as gl
from tests.codegen.models import basis, datasets

NAMES = [
    'a"); import os; os.system("echo pwned"); ("',
    "b'''\n__import__('os')\n'''",
    "*/ } __global__ void evil() { /* \\",
    "#include </etc/passwd>\n#define double float",
    "c\nd = 1 # \u00e9\u4e2d\u0000",
]


def _hostile_model() -> tuple[gl.Model, list[float]]:
    p = [gl.parameter(n) for n in NAMES]
    amp1 = gl.ComplexScalar(NAMES[2] + "amp", p[0], p[1]) * basis(0)
    amp2 = gl.PolarComplexScalar(NAMES[3] + "amp", p[2], p[3]) * basis(1)
    return gl.Model((amp1 + amp2).norm_sqr() + gl.Scalar(NAMES[4], p[4]).norm_sqr()), [0.7, -0.2, 1.1, 0.4, 0.3]


@pytest.mark.parametrize("target", ["cuda", "numba"])
def test_names_do_not_reach_source(target):
    model, _ = _hostile_model()
    src = model.kernel_source(target)
    for name in NAMES:
        for fragment in (name, repr(name), *name.split("\n")):
            assert len(fragment) < 5 or fragment not in src
    assert "pwned" not in src and "evil" not in src and "passwd" not in src


def test_hostile_model_computes_the_right_values():
    results = {}
    for backend in ("numpy", "numba"):
        ctx = gl.ExecutionContext(device="cpu", backend=backend)
        data, mc = datasets(ctx, 500, 700)
        model, p = _hostile_model()
        nll = gl.NLL(model, data, mc, normalization="events")
        assert nll.parameters == tuple(NAMES)
        results[backend] = nll.value_and_gradient(dict(zip(NAMES, p)))
    (v0, g0), (v1, g1) = results["numpy"], results["numba"]
    assert v1 == pytest.approx(v0, rel=1e-12)
    assert np.max(np.abs(g1 - g0)) <= 1e-12 * np.max(np.abs(g0))


def test_hostile_model_compiles_with_nvrtc():
    backend = pytest.importorskip("gpu_laddu.backends.cupy_backend", reason="cupy is not installed")
    try:
        ptx = backend.nvrtc_compile(_hostile_model()[0].kernel_source("cuda"))
    except gl.IRError:
        raise
    except Exception as exc:  # noqa: BLE001 - NVRTC missing
        pytest.skip(f"NVRTC is not available ({type(exc).__name__})")
    assert ".entry gpu_laddu_nll_" in ptx
