import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model
from gpu_laddu.distributed.comm import NullCommunicator
from gpu_laddu.generate import generate_by_model, generate_kskp


class FakeRank(NullCommunicator):
    def __init__(self, rank, size):
        self.rank, self.size = rank, size


def _mass(ds):
    return ds.ctx.to_numpy(gl.Mass(["kshort1", "kshort2"]).value(ds))


def test_generated_events_follow_the_intensity(cpu_ctx):
    cm = bw_zlm_model()
    ds = generate_by_model(cm.model, cm.truth, 20000, seed=11, ctx=cpu_ctx,
                           envelope_variable=gl.Mass(["kshort1", "kshort2"]))
    # oracle: phase-space events weighted by the same intensity
    ps = generate_kskp(100000, seed=5, ctx=cpu_ctx)
    w = cm.model.load(ps).evaluate(cm.truth).real
    edges = np.linspace(1.0, 2.6, 21)
    h_gen, _ = np.histogram(_mass(ds), edges)
    h_ps, _ = np.histogram(_mass(ps), edges, weights=w)
    h_ps2, _ = np.histogram(_mass(ps), edges, weights=w**2)
    scale = h_gen.sum() / h_ps.sum()
    expected, var = h_ps * scale, h_gen + h_ps2 * scale**2
    mask = expected > 20
    chi2 = float(np.sum((h_gen[mask] - expected[mask]) ** 2 / var[mask]))
    assert chi2 < 3 * mask.sum(), chi2
    # and differs clearly from flat phase space
    h_flat, _ = np.histogram(_mass(ps), edges)
    flat = h_flat * h_gen.sum() / h_flat.sum()
    assert float(np.sum((h_gen[mask] - flat[mask]) ** 2 / (flat[mask] + 1))) > 10 * mask.sum()


def test_same_events_whatever_the_number_of_ranks():
    cm = bw_zlm_model()
    whole = generate_by_model(cm.model, cm.truth, 700, seed=2, block_size=256,
                              ctx=gl.ExecutionContext(device="cpu", backend="numpy"))
    pieces = []
    for rank in range(3):
        ctx = gl.ExecutionContext(device="cpu", backend="numpy", comm=FakeRank(rank, 3))
        part = generate_by_model(cm.model, cm.truth, 700, seed=2, block_size=256, ctx=ctx)
        assert part.n_events_global == 700
        pieces.append(part.p4("kshort1")[0])
    np.testing.assert_array_equal(np.concatenate(pieces), whole.p4("kshort1")[0])


def test_bad_requests(cpu_ctx):
    cm = bw_zlm_model()
    with pytest.raises(gl.DataError, match="positive integer"):
        generate_by_model(cm.model, cm.truth, 0, ctx=cpu_ctx)
    with pytest.raises(gl.ParameterError):
        generate_by_model(cm.model, [1.0], 10, ctx=cpu_ctx)


def test_envelope_gives_the_same_distribution(cpu_ctx):
    cm = bw_zlm_model()
    mass = gl.Mass(["kshort1", "kshort2"])
    plain = generate_by_model(cm.model, cm.truth, 8000, seed=5, ctx=cpu_ctx)
    enveloped = generate_by_model(cm.model, cm.truth, 8000, seed=5, ctx=cpu_ctx, envelope_variable=mass)
    edges = np.linspace(1.0, 2.6, 17)
    a, _ = np.histogram(_mass(plain), edges)
    b, _ = np.histogram(_mass(enveloped), edges)
    mask = (a + b) > 20
    chi2 = float(np.sum((a[mask] - b[mask]) ** 2 / (a[mask] + b[mask])))
    assert chi2 < 3 * mask.sum(), chi2
