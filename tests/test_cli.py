"""The gpu-laddu command line: info, demo (small), convert."""

import json
import subprocess
import sys

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.cli import main, run_demo


def test_info_json(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["backends"]["numpy"] is True and "mpi" in info and isinstance(info["gpus"], list)


def test_info_text_runs_as_a_console_script():
    res = subprocess.run([sys.executable, "-m", "gpu_laddu.cli", "info"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "backends:" in res.stdout


def test_small_demo_fits_and_plots(tmp_path):
    out = run_demo(events=3000, mc_events=9000, device="cpu", backend="numpy", seed=3, out=str(tmp_path),
                   progress=False)
    assert out["result"].n_calls > 0
    assert out["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.isfinite(out["mean_abs_pull"])


def test_demo_output_folder_is_created_or_refused_before_any_work(tmp_path, monkeypatch):
    import gpu_laddu.generate as generate

    def must_not_run(*args, **kwargs):
        raise AssertionError("generated events for an unusable output folder")

    monkeypatch.setattr(generate, "generate_by_model", must_not_run)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(gl.DataError, match="cannot use .* as the output folder"):
        run_demo(events=10, device="cpu", backend="numpy", out=str(blocker / "plots"), progress=False)
    nested = tmp_path / "a" / "b"
    with pytest.raises(AssertionError, match="generated events"):  # created, then the work starts
        run_demo(events=10, device="cpu", backend="numpy", out=str(nested), progress=False)
    assert nested.is_dir()


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--backend", "torch"])
    with pytest.raises(SystemExit):
        main(["frobnicate"])


def test_convert_amptools_to_parquet(tmp_path):
    pytest.importorskip("uproot", reason="the root extra (uproot) is not installed")
    from tests.data.test_root import amptools_file

    path, _, (e, px, py, pz) = amptools_file(tmp_path / "in.root", n=20)
    out = tmp_path / "out.parquet"
    assert main(["convert", str(path), str(out), "--pol-angle", "45", "--pol-magnitude", "0.4"]) == 0
    ds = gl.read_parquet(out, ctx=gl.ExecutionContext(device="cpu", backend="numpy"))
    assert ds.p4_names == ("beam", "final_state_0", "final_state_1", "final_state_2")
    np.testing.assert_array_equal(ds.p4("final_state_1")[1], px[:, 1].astype(np.float64))
    np.testing.assert_allclose(ds.scalar("pol_angle"), np.deg2rad(45.0))
    np.testing.assert_allclose(ds.scalar("pol_magnitude"), 0.4)
    assert main(["convert", str(tmp_path / "missing.root"), str(out)]) == 2


def test_bench_forwards_to_the_suite(monkeypatch):
    import benches.suite as suite

    seen = {}
    monkeypatch.setattr(suite, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    assert main(["bench", "--quick", "--no-laddu"]) == 0
    assert seen["argv"] == ["--quick", "--no-laddu"]


def _cli(*args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "gpu_laddu.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_version():
    res = _cli("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"gpu-laddu {gl.__version__}"


def test_user_errors_print_one_line_and_exit_2(tmp_path):
    """Issue 14, defect 16: no traceback for a missing input, a bad device or an unwritable folder."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    cases = {
        "missing input": (["convert", str(tmp_path / "missing.root"), str(tmp_path / "out.parquet")], "missing.root"),
        "bad device": (["demo", "--events", "10", "--device", "tpu", "--no-progress"], "tpu"),
        "unusable folder": (["demo", "--events", "10", "--device", "cpu", "--backend", "numpy", "--no-progress",
                             "--out", str(blocker / "plots")], "output folder"),
    }
    for what, (args, named) in cases.items():
        res = _cli(*args)
        assert res.returncode == 2, (what, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gpu-laddu: error: ") and named in lines[0], (what, lines)
        assert "Traceback" not in res.stderr
    res = _cli(*cases["bad device"][0], env={"GPU_LADDU_TRACEBACK": "1"})
    assert res.returncode == 1 and "Traceback" in res.stderr
