"""Communicators: Null (one process), MPI (mpi4py) and NCCL (cupy), behind one protocol."""

from gpu_laddu.distributed.comm import Communicator, NullCommunicator, partition

__all__ = ["Communicator", "NullCommunicator", "partition"]
