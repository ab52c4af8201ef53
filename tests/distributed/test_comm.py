"""Communicator logic without MPI processes or GPUs: Null, partitioning, NCCL with fakes."""

import numpy as np
import pytest

from gpu_laddu.distributed.comm import NullCommunicator, partition


@pytest.mark.parametrize("n, size", [(10, 3), (7, 7), (2, 3), (0, 2), (1000003, 64)])
def test_partition_covers_rows_like_laddu(n, size):
    ranges = [partition(n, r, size) for r in range(size)]
    assert ranges[0][0] == 0 and ranges[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    counts = [b - a for a, b in ranges]
    assert counts == [n // size + (1 if r < n % size else 0) for r in range(size)]


def test_null_communicator_is_identity():
    c = NullCommunicator()
    x = np.array([1.0, 2.0])
    assert c.allreduce_sum(x).tolist() == [1.0, 2.0]
    assert c.allgatherv(np.arange(3)).tolist() == [0, 1, 2]
    assert c.bcast({"a": 1}) == {"a": 1}
    with pytest.raises(SystemExit):
        c.abort(3)


class FakeMpi:
    """Two ranks simulated in one process: rank 0's broadcast reaches everyone."""

    def __init__(self, rank, size, board):
        self.rank, self.size, self.board = rank, size, board

    def bcast(self, obj, root=0):
        if self.rank == root:
            self.board["bcast"] = obj
        return self.board["bcast"]

    def allgatherv(self, values):
        return np.asarray(values)

    def abort(self, code=1):
        raise SystemExit(code)


class FakeNccl:
    """Records NCCL calls; allReduce sums the contributions of all fake ranks."""

    available = True
    NCCL_FLOAT64 = 7
    NCCL_SUM = 0

    def __init__(self):
        self.ids = 0
        self.comms = []

    def get_unique_id(self):
        self.ids += 1
        return (b"uid", self.ids)

    def NcclCommunicator(self, size, uid, rank):  # noqa: N802 - mirrors cupy's name
        comm = _FakeComm(self, size, uid, rank)
        self.comms.append(comm)
        return comm


class _FakeComm:
    def __init__(self, lib, size, uid, rank):
        self.lib, self.size, self.uid, self.rank = lib, size, uid, rank
        self.calls = []

    def allReduce(self, send, recv, count, dtype, op, stream):  # noqa: N802
        self.calls.append((send, recv, count, dtype, op, stream))


class FakeXp:
    """Just enough of cupy for the communicator (host arrays stand in for device arrays)."""

    float64 = np.float64

    class cuda:  # noqa: N801
        class _Stream:
            ptr = 1234

        @staticmethod
        def get_current_stream():
            return FakeXp.cuda._Stream()

    @staticmethod
    def asarray(v, dtype=None):
        return _Dev(np.asarray(v, dtype=dtype))

    @staticmethod
    def ascontiguousarray(a):
        return a

    @staticmethod
    def asnumpy(a):
        return a.arr.copy()


class _Dev:
    def __init__(self, arr):
        self.arr = arr
        self.size = arr.size
        self.nbytes = arr.nbytes

        class _Data:
            ptr = arr.ctypes.data

        self.data = _Data()


def test_nccl_bootstrap_shares_rank0_unique_id_and_reduces_in_float64():
    from gpu_laddu.distributed.nccl import NcclCommunicator

    lib, board = FakeNccl(), {}
    comms = [NcclCommunicator(mpi=FakeMpi(r, 2, board), nccl=lib, xp=FakeXp) for r in range(2)]
    assert lib.ids == 1, "only rank 0 creates the unique id"
    assert {c._comm.uid for c in comms} == {(b"uid", 1)}
    assert [(c.rank, c.size) for c in comms] == [(0, 2), (1, 2)]
    out = comms[1].allreduce_sum(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    (call,) = comms[1]._comm.calls
    assert call[2] == 3 and call[3] == FakeNccl.NCCL_FLOAT64 and call[4] == FakeNccl.NCCL_SUM and call[5] == 1234
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]
    assert comms[1].bytes_sent == 24


def test_nccl_unavailable_is_a_clear_error():
    from gpu_laddu.distributed.nccl import NcclCommunicator
    from gpu_laddu.errors import BackendUnavailableError

    lib = FakeNccl()
    lib.available = False
    with pytest.raises(BackendUnavailableError, match="nvidia-nccl"):
        NcclCommunicator(mpi=FakeMpi(0, 1, {}), nccl=lib, xp=FakeXp)
