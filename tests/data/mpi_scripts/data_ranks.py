"""Run under mpiexec by tests/data/test_mpi.py: readers and operations across real MPI ranks.

Usage: mpiexec -n N python data_ranks.py FILE.parquet OUT.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import gpu_laddu as gl  # noqa: E402
from gpu_laddu.data.ops import poisson_factors  # noqa: E402
from gpu_laddu.distributed.comm import partition  # noqa: E402


class ScalarVar:
    def __init__(self, name: str) -> None:
        self.name = name

    def value(self, dataset):  # type: ignore[no-untyped-def]
        return dataset.scalar(self.name)


def main(path: str, out: str) -> None:
    ctx = gl.ExecutionContext(device="cpu", backend="numpy", comm="mpi")
    comm = ctx.comm
    table = pq.read_table(path)  # the oracle (every rank reads it whole here, only for checking)
    n = table.num_rows
    w = table.column("weight").to_numpy()
    start, stop = partition(n, ctx.rank, ctx.size)

    ds = gl.data.read_parquet(path, ctx=ctx)
    assert (ds.n_events, ds.n_events_global, ds.global_start) == (stop - start, n, start)
    np.testing.assert_array_equal(comm.allgatherv(ds.weights), w)
    assert abs(ds.sum_weights - w.sum()) <= 1e-9 * np.abs(w).sum()

    single_rank = w * poisson_factors(7, 0, n)  # what one process gets
    np.testing.assert_array_equal(comm.allgatherv(ds.bootstrap(7).weights), single_rank)

    local = gl.from_numpy(scalars={"x": table.column("pol_angle").to_numpy()[start:stop]},
                          weights=w[start:stop], ctx=ctx)
    assert local.n_events_global == n and local.global_start == start  # computed collectively
    np.testing.assert_array_equal(comm.allgatherv(local.bootstrap(7).weights), single_rank)

    angle = table.column("pol_angle").to_numpy()
    binned = ds.bin_by(ScalarVar("pol_angle"), 4, (-np.pi, np.pi))
    counts = np.histogram(angle, bins=binned.edges)[0]
    assert [b.n_events_global for b in binned] == counts.tolist(), ([b.n_events_global for b in binned], counts)
    picked = ds.select(ds.scalar("pol_angle") > 0)
    assert picked.n_events_global == int((angle > 0).sum())

    gl.data.write_parquet(ds, out)
    assert pq.read_table(out).equals(table)

    # float32 four-vectors boosted on each rank: the file records the largest tolerance (issue 14)
    rng = np.random.default_rng(5)
    m = 3000
    p = rng.normal(size=(m, 3))
    p[:, 2] += 8.0
    photon = np.column_stack([np.sqrt((p * p).sum(axis=1)), p]).astype(np.float32)
    q = rng.normal(size=(m, 3)) * 0.3
    proton = np.column_stack([np.sqrt(0.938**2 + (q * q).sum(axis=1)), q]).astype(np.float32)
    lo, hi = partition(m, ctx.rank, ctx.size)
    boosted = gl.from_numpy(p4s={"g": photon[lo:hi], "p": proton[lo:hi]}, ctx=ctx).boost_to_rest_frame_of(["g", "p"])
    gl.data.write_parquet(boosted, out + ".f32.parquet")
    back = gl.data.read_parquet(out + ".f32.parquet", ctx=ctx)
    assert back.n_events_global == m
    np.testing.assert_array_equal(comm.allgatherv(back.p4("g")[2]), comm.allgatherv(boosted.p4("g")[2]))
    if ctx.rank == 0:
        print("OK", ctx.size)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
