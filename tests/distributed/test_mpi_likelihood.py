"""The likelihood on real MPI ranks (mpiexec from this venv's mpich; skipped without it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "mpi_scripts"
pytestmark = pytest.mark.mpi


def _mpiexec() -> str:
    pytest.importorskip("mpi4py", reason="needs mpi4py (pip install gpu_laddu[mpich])")
    found = shutil.which("mpiexec", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                          os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip("needs an mpiexec launcher")
    return found


def _env() -> dict[str, str]:
    # two ranks x two numba threads would oversubscribe the two cores of CI
    return {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@pytest.mark.parametrize("ranks, backend, n_data, n_mc", [
    (2, "numpy", 1001, 2003),   # uneven split
    (3, "numba", 1000, 2000),
    (3, "numpy", 2, 500),       # rank 2 holds no data event
])
def test_distributed_nll_equals_single_process(ranks, backend, n_data, n_mc):
    res = subprocess.run([_mpiexec(), "-n", str(ranks), sys.executable, str(SCRIPTS / "nll_ranks.py"), backend,
                          str(n_data), str(n_mc)], capture_output=True, text=True, timeout=400, env=_env())
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    assert f"OK {ranks}" in res.stdout


def test_failing_rank_aborts_the_job_quickly():
    start = time.monotonic()
    res = subprocess.run([_mpiexec(), "-n", "3", sys.executable, str(SCRIPTS / "failing_rank.py")],
                         capture_output=True, text=True, timeout=120, env=_env())
    elapsed = time.monotonic() - start
    assert res.returncode != 0
    assert "deliberate failure on rank 1" in res.stderr
    assert "[gpu_laddu rank 1]" in res.stderr
    assert elapsed < 60, f"abort took {elapsed:.1f} s"
