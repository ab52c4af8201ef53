"""Numba kernels are compiled once per graph: a repeated load compiles nothing, and the disk
cache serves a new process; switching activation masks back and forth recompiles nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gpu_laddu as gl
from tests.codegen.models import datasets
from tests.helpers import col

pytest.importorskip("numba")
from cpu_fallback.numba_engine import kernel_stats, wait_for_background  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
import gpu_laddu as gl
from cpu_fallback.numba_engine import kernel_stats
from tests.codegen.test_numba_cache import unique_model
from tests.codegen.models import datasets
ctx = gl.ExecutionContext(device="cpu", backend="numba")
data, mc = datasets(ctx, 200, 300)
model, p = unique_model()
value = gl.NLL(model, data, mc, normalization="events").value(p)
print(json.dumps({"value": value, **kernel_stats()}))
"""


def unique_model() -> tuple[gl.Model, list[float]]:
    """A model no other test builds (its kernel is not in memory before this module runs)."""
    a, b = gl.parameter("a"), gl.parameter("b")
    amp = gl.ComplexScalar("X", a, b) * (col("x") + 0.123456789j) + gl.Scalar("Y", b) * col("y")
    return gl.Model(amp.norm_sqr() + 0.0987654321), [0.5, -0.7]


def test_repeated_load_and_mask_switches_compile_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("GPU_LADDU_CACHE_DIR", str(tmp_path))
    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    data, mc = datasets(ctx, 200, 300)
    model, p = unique_model()
    before = kernel_stats()
    first = gl.NLL(model, data, mc, normalization="events")
    v1 = first.value_and_gradient(p)[0]
    wait_for_background()  # the value-only kernel, compiled in the background
    after_first = kernel_stats()
    built = after_first["compiled"] + after_first["loaded_from_disk"]
    assert built == before["compiled"] + before["loaded_from_disk"] + 2
    (module,) = tmp_path.joinpath("numba").glob("gpu_laddu_nll_*.py")
    assert module.read_text() == model.kernel_source("numba")  # what users inspect is what runs

    again = gl.NLL(model, data, mc, normalization="events")  # a repeated load of the same model
    assert again.value_and_gradient(p)[0] == v1
    first.isolate("X")
    first.value(p)
    first.activate_all()
    first.value(p)
    end = kernel_stats()
    assert end["compiled"] == after_first["compiled"] + 1  # only the "X only" mask was new
    assert end["loaded_from_disk"] == after_first["loaded_from_disk"]
    assert end["memory_hits"] >= after_first["memory_hits"] + 3


def test_new_process_loads_from_disk(tmp_path):
    env = {**os.environ, "GPU_LADDU_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                                      text=True, timeout=300, check=True).stdout.splitlines()[-1])
            for _ in range(2)]
    # the value kernel; the value + gradient kernel is prefetched in the background (a child compiles it)
    assert runs[0]["compiled"] == 1 and runs[0]["loaded_from_disk"] <= 1
    assert runs[1]["compiled"] == 0 and runs[1]["loaded_from_disk"] >= 1
    assert runs[0]["value"] == runs[1]["value"]
    assert np.isfinite(runs[0]["value"])


def test_numba_engine_accepts_read_only_weights(tmp_path):
    """Zero-copy Parquet columns are read-only; the fused kernels must still run on them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    import gpu_laddu as gl
    from gpu_laddu.canonical import bw_zlm_model

    ctx = gl.ExecutionContext(device="cpu", backend="numba")
    ds = gl.generate_kskp(500, seed=2, ctx=ctx)
    cols = {k: np.asarray(v) for k, v in ds.columns().items()}
    cols["weight"] = np.random.default_rng(1).uniform(0.5, 1.5, ds.n_events)
    pq.write_table(pa.table(cols), tmp_path / "w.parquet")
    data = gl.read_parquet(tmp_path / "w.parquet", ctx=ctx)
    assert not np.asarray(data.weights).flags.writeable
    cm = bw_zlm_model()
    got = gl.NLL(cm.model, data, data).value(cm.start)
    ref_ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ref = gl.NLL(cm.model, data.to(ref_ctx), data.to(ref_ctx)).value(cm.start)
    assert abs(got - ref) <= 1e-12 * abs(ref)
