"""Generated CUDA C: NVRTC compiles it for every catalogue model; host-side launch rules."""

import pytest

import gpu_laddu as gl
from gpu_laddu.codegen import kernel_plan, kernel_source
from gpu_laddu.codegen.cuda import BLOCK, REDUCE_SOURCE, cache_key, launch_config, literal
from tests.codegen.models import MODELS


@pytest.fixture(scope="module")
def nvrtc_compile():
    backend = pytest.importorskip("gpu_laddu.backends.cupy_backend", reason="cupy is not installed")
    try:
        from cupy.cuda import nvrtc

        nvrtc.getVersion()
    except Exception as exc:  # noqa: BLE001 - any loader failure means: no NVRTC here
        pytest.skip(f"NVRTC is not available ({type(exc).__name__}); pip install 'nvidia-cuda-nvrtc==13.0.*'")
    return backend.nvrtc_compile


@pytest.mark.parametrize("precision", ["f64", "f32"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_compiles_with_nvrtc(nvrtc_compile, name, precision):
    model, _ = MODELS[name]()
    src = kernel_source(model, "cuda", precision=precision)
    ptx = nvrtc_compile(src)
    plan = kernel_plan(model)
    assert f".entry {plan.name}(" in ptx


def test_reduction_kernel_compiles(nvrtc_compile):
    assert ".entry gpu_laddu_reduce_partials(" in nvrtc_compile(REDUCE_SOURCE)


def test_compile_errors_carry_the_log(nvrtc_compile):
    with pytest.raises(gl.IRError, match="undefined"):
        nvrtc_compile('extern "C" __global__ void k() { undefined_thing = 1; }')


def test_launch_configuration():
    assert launch_config(0, 132) == (0, BLOCK)
    assert launch_config(1, 132) == (1, BLOCK)
    assert launch_config(BLOCK * 10 + 1, 132) == (11, BLOCK)
    assert launch_config(10**9, 132) == (132 * 8, BLOCK)  # grid-stride beyond a full device
    assert launch_config(10**9, 0) == (8, BLOCK)


def test_kernel_names_and_cache_keys_come_from_the_graph():
    model, _ = MODELS["coherent"]()
    plan = kernel_plan(model)
    assert plan.name == f"gpu_laddu_nll_{plan.fingerprint[:8]}"
    inactive = kernel_plan(model, active=["S"])
    assert inactive.name != plan.name
    assert cache_key(0, plan, "f64") == ("cuda", 0, plan.key, "f64")
    assert cache_key(1, plan, "f64") != cache_key(0, plan, "f64")
    assert cache_key(0, plan, "f32") != cache_key(0, plan, "f64")
    assert cache_key(0, inactive, "f64") != cache_key(0, plan, "f64")
    assert kernel_plan(MODELS["coherent"]()[0]).key == plan.key  # a rebuilt model: the same key


def test_literals_are_exact():
    assert float.fromhex(literal(0.1)) == 0.1
    assert literal(float("inf")).startswith("__longlong_as_double(")
    assert literal(complex(0.5, -2.0)) == "gl_c64(0x1.0000000000000p-1, -0x1.0000000000000p+1)"


def test_unknown_target_and_precision():
    model, _ = MODELS["coherent"]()
    with pytest.raises(gl.ModelError, match="target"):
        model.kernel_source("opencl")
    with pytest.raises(gl.ModelError, match="precision"):
        kernel_source(model, "cuda", precision="f16")
    with pytest.raises(gl.ModelError, match="unknown amplitude"):
        kernel_source(model, "cuda", active=["nope"])
