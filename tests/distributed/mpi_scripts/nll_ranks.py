"""Run under mpiexec by tests/distributed/test_mpi_likelihood.py.

Every rank computes the distributed result (its partition of the events, one allreduce per
call) and the single-process result (all events, comm="none") and checks that they agree.

Usage: mpiexec -n N python nll_ranks.py BACKEND N_DATA N_MC
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402

import gpu_laddu as gl  # noqa: E402
from gpu_laddu.canonical import bw_zlm_model, demo_model  # noqa: E402


def rel(a, b) -> float:  # type: ignore[no-untyped-def]
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def main(backend: str, n_data: int, n_mc: int) -> None:
    dist = gl.ExecutionContext(device="cpu", backend=backend, comm="mpi")
    single = gl.ExecutionContext(device="cpu", backend=backend, comm="none")
    assert dist.size > 1 and dist.comm.name == "mpi"
    samples = {}
    for name, ctx in (("dist", dist), ("single", single)):
        data = gl.generate_kskp(n_data, seed=4, pol_angle=0.3, ctx=ctx)
        mc = gl.generate_kskp_mc(n_mc, seed=4, pol_angle=0.3, ctx=ctx)
        samples[name] = (data, mc)
    d_data, d_mc = samples["dist"]
    assert d_data.n_events_global == n_data and d_mc.n_events_global == n_mc
    counts = dist.comm.allgatherv(np.array([d_data.n_events]))
    assert counts.sum() == n_data and list(counts) == sorted(counts, reverse=True)

    for cm in (bw_zlm_model(), demo_model()):
        for cls in (gl.NLL, gl.ExtendedNLL):
            nll_d = cls(cm.model, *samples["dist"])
            nll_s = cls(cm.model, *samples["single"])
            v_d, g_d = nll_d.value_and_gradient(cm.start)
            v_s, g_s = nll_s.value_and_gradient(cm.start)
            assert abs(v_d - v_s) <= 1e-12 * abs(v_s), (v_d, v_s)
            assert rel(g_d, g_s) <= 1e-12, rel(g_d, g_s)
            # every rank holds identical aggregates
            assert rel(dist.comm.allgatherv(np.array([v_d])), np.full(dist.size, v_d)) == 0.0
        nll_d = gl.NLL(cm.model, *samples["dist"])
        nll_s = gl.NLL(cm.model, *samples["single"])
        # gathered per-event outputs equal the single-process ones, in global event order
        proj_d = nll_d.project(cm.start, gather=True)
        proj_s = single.to_numpy(nll_s.project(cm.start))
        assert rel(proj_d, proj_s) <= 1e-12
        first = cm.model.amplitudes[0]
        assert rel(nll_d.project_with(cm.start, [first], gather=True),
                   single.to_numpy(nll_s.project_with(cm.start, [first]))) <= 1e-12
        ev_d = nll_d.data_evaluator.evaluate(cm.start, gather=True)
        assert rel(ev_d, single.to_numpy(nll_s.data_evaluator.evaluate(cm.start))) <= 1e-12

    # a fit under MPI reaches the single-process minimum (all ranks drive Migrad in lockstep)
    cm = bw_zlm_model()
    res_d = gl.NLL(cm.model, *samples["dist"]).fit(initial=cm.start, progress=False)
    res_s = gl.NLL(cm.model, *samples["single"]).fit(initial=cm.start, progress=False)
    assert abs(res_d.fval - res_s.fval) < 1e-6, (res_d.fval, res_s.fval)
    assert rel(res_d.x, res_s.x) < 1e-4
    if dist.rank == 0:
        sys.stdout.write(f"OK {dist.size}\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
