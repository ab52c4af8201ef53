"""A single-rank NCCL communicator on a real GPU (NCCL cannot run several ranks on one GPU)."""

import numpy as np
import pytest

from gpu_laddu.backends.registry import cuda_available

pytestmark = pytest.mark.gpu


@pytest.fixture
def nccl_comm():
    if not cuda_available():
        pytest.skip("needs a CUDA GPU; none is present on this machine")
    nccl = pytest.importorskip("cupy.cuda.nccl")
    if not getattr(nccl, "available", False):
        pytest.skip("the NCCL library is not installed (pip install nvidia-nccl-cu13)")
    pytest.importorskip("mpi4py", reason="NCCL is bootstrapped over MPI (pip install gpu_laddu[mpi])")
    from gpu_laddu.distributed.nccl import NcclCommunicator

    return NcclCommunicator()


def test_single_rank_nccl_reduces_and_gathers(nccl_comm):
    assert (nccl_comm.rank, nccl_comm.size) == (0, 1)
    x = np.array([1.5, -2.0, 3.25])
    np.testing.assert_array_equal(nccl_comm.allreduce_sum(x), x)
    np.testing.assert_array_equal(nccl_comm.allgatherv(np.arange(4.0)), np.arange(4.0))


def test_nll_with_nccl_matches_null_communicator(nccl_comm):
    import gpu_laddu as gl
    from gpu_laddu.canonical import bw_zlm_model

    cm = bw_zlm_model()
    values = []
    for comm in (nccl_comm, "none"):
        ctx = gl.ExecutionContext(device="cuda", backend="cupy", comm=comm)
        data, mc = gl.generate_kskp(2000, seed=3, ctx=ctx), gl.generate_kskp_mc(4000, seed=3, ctx=ctx)
        values.append(gl.NLL(cm.model, data, mc).value_and_gradient(cm.start))
    assert values[0][0] == pytest.approx(values[1][0], rel=1e-12)
    np.testing.assert_allclose(values[0][1], values[1][1], rtol=1e-12)
