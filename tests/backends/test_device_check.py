"""The device check cannot report OK when something did not run: a dry run of
``benches/device_check.sh`` on the CPU with every step stubbed (a fake ``python3`` that plays
pytest, the benchmark, ``gpu-laddu info`` and the preflight), the report's JUnit accounting,
the real preflight on this GPU-less machine and ``--wheels`` into a virtual environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benches" / "device_check.sh"
sys.path.insert(0, str(ROOT / "benches"))
try:
    import device_check_report as dcr
finally:
    sys.path.remove(str(ROOT / "benches"))

IDS = [f"tests/gpu/test_x.py::test_{k}" for k in range(3)]

STUB = r"""#!/usr/bin/env bash
# Stub python3 of the device check's dry run: behaviour set by STUB_* variables.
args="$*"
case "$args" in
  *device_check_report.py*|*"-m venv"*) exec "$REAL_PYTHON" "$@" ;;
  *device_check_preflight.py*) echo "$STUB_PREFLIGHT_LINE"; exit "$STUB_PREFLIGHT_RC" ;;
  *"-m gpu_laddu.cli info"*) echo "a warning on stderr" >&2
     echo '{"gpus": [{"index": 0, "name": "Stub H100", "memory_total_gib": 80, "compute_capability": "9.0"}]}' ;;
  *"--collect-only"*) printf '%s\n' $STUB_IDS; echo; echo "3 tests collected" ;;
  *"-m pytest"*)
     for a in "$@"; do case "$a" in --junitxml=*) xml="${a#--junitxml=}" ;; esac; done
     { echo '<?xml version="1.0"?><testsuites><testsuite name="pytest" time="1.0">'
       for k in $(seq 1 "$STUB_RAN"); do echo "<testcase classname=\"t\" name=\"test_$k\" time=\"0.1\"/>"; done
       echo '</testsuite></testsuites>'; } > "$xml"
     exit "$STUB_PYTEST_RC" ;;
  *bench_gpu.py*)
     for a in "$@"; do [ "${prev:-}" = "--out" ] && out="$a"; prev="$a"; done
     echo '{"gpus": ["Stub H100"], "runs": []}' > "$out/bench_gpu.json"; echo "| bench |" > "$out/bench_gpu.md"
     exit "$STUB_BENCH_RC" ;;
  *) exit 0 ;;
esac
"""


def _dry_run(tmp_path: Path, *, ran: int = 3, pytest_rc: int = 0, bench_rc: int = 0, preflight_rc: int = 0,
             extra: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess[str], Path]:
    stub = tmp_path / "bin" / "python3"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(STUB)
    stub.chmod(0o755)
    (tmp_path / "bin" / "nvidia-smi").write_text("#!/bin/sh\necho 'name, driver_version'\n")
    (tmp_path / "bin" / "nvidia-smi").chmod(0o755)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHON": str(stub), "REAL_PYTHON": sys.executable, "STUB_IDS": " ".join(IDS),
           "STUB_RAN": str(ran), "STUB_PYTEST_RC": str(pytest_rc), "STUB_BENCH_RC": str(bench_rc),
           "STUB_PREFLIGHT_RC": str(preflight_rc),
           "STUB_PREFLIGHT_LINE": ("preflight OK: stub" if preflight_rc == 0 else
                                   "preflight FAILED: cuSOLVER (linalg.solve): libcusolver.so.12 not found (fix: x)"),
           "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    res = subprocess.run(["bash", str(SCRIPT), "--out", str(out), "--wheels", str(tmp_path / "nowheels"), *extra],
                         capture_output=True, text=True, timeout=120, env=env)
    return res, out


def test_dry_run_all_steps_pass(tmp_path):
    res, out = _dry_run(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads((out / "device_check.json").read_text())
    assert report["ok"] and report["problems"] == []
    assert report["tests"]["gpu"]["collected"] == 3 and report["tests"]["gpu"]["tests"] == 3
    assert report["steps"]["tests_gpu"] == 0 and report["steps"]["bench"] == 0 and report["steps"]["preflight"] == 0
    assert report["info"]["gpus"][0]["name"] == "Stub H100"  # stderr of `info` did not spoil its JSON
    assert "device check: OK" in (out / "device_check.md").read_text()


def test_a_timeout_that_leaves_tests_unrun_is_a_failure(tmp_path):
    """pytest interrupted: two of three tests in the XML, all empty <testcase/>, exit status 2."""
    res, out = _dry_run(tmp_path, ran=2, pytest_rc=2)
    assert res.returncode == 1
    report = json.loads((out / "device_check.json").read_text())
    gpu = report["tests"]["gpu"]
    assert not report["ok"] and not gpu["ok"] and gpu["passed"] == 2 and gpu["exit_status"] == 2
    assert "2 of 3 collected tests ran" in gpu["why"] and "interrupted" in gpu["why"]
    assert "device check: FAILED" in (out / "device_check.md").read_text()


def test_missing_results_fail_even_when_pytest_exits_0(tmp_path):
    res, out = _dry_run(tmp_path, ran=1)
    assert res.returncode == 1
    assert "1 of 3 collected tests ran" in json.loads((out / "device_check.json").read_text())["tests"]["cupy"]["why"]


def test_the_benchmark_exit_status_is_kept(tmp_path):
    res, out = _dry_run(tmp_path, bench_rc=124)
    assert res.returncode == 1
    report = json.loads((out / "device_check.json").read_text())
    assert report["steps"]["bench"] == 124 and any("benchmark: exit status 124" in p for p in report["problems"])


def test_a_failed_preflight_stops_with_one_line(tmp_path):
    res, out = _dry_run(tmp_path, preflight_rc=3)
    assert res.returncode == 3
    assert "device_check: preflight FAILED: cuSOLVER" in res.stdout
    assert not (out / "tests_gpu.xml").exists() and not (out / "collected_gpu.txt").exists()
    assert (out / "preflight.txt").read_text().startswith("preflight FAILED: cuSOLVER")


def test_skip_preflight_is_recorded(tmp_path):
    res, out = _dry_run(tmp_path, preflight_rc=3, extra=("--skip-preflight",))
    assert res.returncode == 0, res.stdout
    assert json.loads((out / "device_check.json").read_text())["preflight"] == "preflight skipped (--skip-preflight)"


def test_report_counts_collection_errors_of_absent_packages_apart(tmp_path):
    (tmp_path / "collected_gpu.txt").write_text("tests/a.py::test_a\n\n1 test collected\n")
    (tmp_path / "tests_gpu.xml").write_text(
        '<testsuites><testsuite time="2"><testcase classname="a" name="test_a"/>'
        '<testcase classname="" name="tests.b"><error message="collection failure">'
        "ModuleNotFoundError: No module named 'iminuit'</error></testcase>"
        '<testcase classname="a" name="test_c"><failure message="assert 1 == 2">x</failure></testcase>'
        "</testsuite></testsuites>")
    t = dcr.suite_report(tmp_path, "gpu", 1)
    assert t["not_collected"] == ["tests.b: ModuleNotFoundError: No module named 'iminuit'"]
    assert (t["tests"], t["passed"], t["failures"]) == (2, 1, 1) and not t["ok"]
    assert "2 of 1 collected" in t["why"] and "1 failed" in t["why"]
    assert dcr.suite_report(tmp_path, "cupy", None)["why"] == "did not run"
    (tmp_path / "tests_gpu.xml").write_text(
        '<testsuite time="1"><testcase classname="a" name="test_a"><skipped message="no GPU"/></testcase></testsuite>')
    t = dcr.suite_report(tmp_path, "gpu", 0)
    assert not t["ok"] and t["why"] == "every test was skipped"


def test_the_real_preflight_stops_with_one_line_without_a_gpu():
    res = subprocess.run([sys.executable, str(ROOT / "benches" / "device_check_preflight.py")],
                         capture_output=True, text=True, timeout=120)
    if res.returncode == 0:
        pytest.skip("this machine has a working GPU")
    assert res.returncode == 3
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("preflight FAILED: ") and "(fix: " in lines[0]


def _wheel(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "gl_dc_probe-1.0-py3-none-any.whl"
    files = {"gl_dc_probe.py": "X = 1\n", "nvidia/fakelib/lib/libfake.so.1": "",
             "gl_dc_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: gl_dc_probe\nVersion: 1.0\n",
             "gl_dc_probe-1.0.dist-info/WHEEL":
                 "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files["gl_dc_probe-1.0.dist-info/RECORD"] = "".join(f"{name},,\n" for name in files) + \
        "gl_dc_probe-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def test_wheels_go_into_a_venv_whose_nvidia_libraries_are_found(tmp_path):
    _wheel(tmp_path / "wheels")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHON": sys.executable}
    res = subprocess.run(["bash", str(SCRIPT), "--out", str(out), "--wheels", str(tmp_path / "wheels")],
                         capture_output=True, text=True, timeout=300, env=env)
    log = (out / "device_check.log").read_text()
    steps = dcr.read_steps(out / "steps.tsv")
    assert steps["venv"] == 0 and steps["wheels"] == 0, log[-2000:]
    assert "/venv/bin/python" in log and "nvidia/fakelib/lib" in log
    if steps.get("preflight"):  # no GPU here: the venv's python ran the preflight, which stopped the check
        assert res.returncode == 3 and "device_check: preflight FAILED: " in res.stdout
