"""Readers and Dataset operations on real MPI ranks (mpiexec; skipped without mpi4py/mpiexec)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from .util import event_table

SCRIPT = Path(__file__).parent / "mpi_scripts" / "data_ranks.py"


@pytest.mark.mpi
@pytest.mark.parametrize("ranks", [3])
def test_partitioned_read_bootstrap_binning_and_write_on_mpi_ranks(tmp_path, ranks):
    pytest.importorskip("mpi4py", reason="needs mpi4py (pip install gpu_laddu[mpich])")
    mpiexec = shutil.which("mpiexec", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                             os.environ.get("PATH", "")]))
    if mpiexec is None:
        pytest.skip("needs an mpiexec launcher")
    pq.write_table(event_table(70_000, seed=11), tmp_path / "in.parquet", row_group_size=9_000)
    res = subprocess.run([mpiexec, "-n", str(ranks), sys.executable, str(SCRIPT), str(tmp_path / "in.parquet"),
                          str(tmp_path / "out.parquet")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"OK {ranks}" in res.stdout
