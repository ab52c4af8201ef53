"""The GPU benchmark's logic, run with tiny sizes on the CPU backends (the GPU run is the
device check's): every size and precision measured, the numba reference scaled, the report
written; and it runs where scipy, iminuit and tqdm are absent (as on the GPU machine)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--events", "600,1500", "--numba-events", "1000", "--copy-bytes", "8000000", "--repeats", "1",
        "--min-time", "0"]
BLOCK = "import sys; sys.modules.update(dict.fromkeys(['scipy', 'iminuit', 'tqdm'], None)); "


def _check(out: Path, backend: str) -> None:
    result = json.loads((out / "bench_gpu.json").read_text())
    assert result["backend"] == backend and not result["skipped"] and result["targets"] == []
    runs = {(r["n_data"], r["precision"]): r for r in result["runs"]}
    assert set(runs) == {(n, p) for n in (600, 1500) for p in ("f64", "f32")}
    for (n, precision), r in runs.items():
        assert r["n_mc"] == 2 * n and r["mc_method"] == "integrals"
        assert r["bytes_events"] == r["cache_bytes_per_event"] * 3 * n + 24 * n  # both caches (same model) + weights
        assert r["per_call_events_s"] > 0 and r["bandwidth_events_fraction"] > 0
        assert r["numba_scaled"] and r["numba_events_timed"] == 1000  # numba timed on 1000 events, scaled to n
        assert r["numba_events_s"] == pytest.approx(
            result["numba_reference"][0 if precision == "f64" else 1]["per_call_events_s"] * n / 1000)
        if precision == "f32":
            assert r["cache_bytes_per_event"] == 120 and r["f32_vs_f64_rel"] < 1e-6
    assert "| N data (MC 2N) |" in (out / "bench_gpu.md").read_text()


def test_bench_runs_on_numpy_without_scipy_iminuit_tqdm(tmp_path):
    code = BLOCK + "import runpy; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    cmd = [sys.executable, "-c", code, str(ROOT / "benches" / "bench_gpu.py"), "--backend", "numpy", *TINY,
           "--out", str(tmp_path)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    _check(tmp_path, "numpy")


def test_bench_runs_on_numba(tmp_path):
    pytest.importorskip("numba")
    sys.path.insert(0, str(ROOT / "benches"))
    try:
        import bench_gpu
    finally:
        sys.path.remove(str(ROOT / "benches"))
    assert bench_gpu.main(["--backend", "numba", *TINY, "--out", str(tmp_path)]) == 0
    _check(tmp_path, "numba")
