"""Projections, sums of likelihood terms and bootstrap replicas."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model, demo_model


@pytest.fixture(scope="module")
def samples():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    w = np.random.default_rng(2).uniform(0.5, 1.5, 3000)
    data = gl.generate_kskp(3000, seed=8, ctx=ctx)
    data = gl.from_numpy(p4s={n: np.stack(data.p4(n), axis=1) for n in data.p4_names},
                         scalars={n: data.scalar(n) for n in data.scalar_names}, weights=w, ctx=ctx)
    return ctx, data, gl.generate_kskp_mc(6000, seed=8, ctx=ctx), gl.generate_kskp_mc(4000, seed=9, ctx=ctx)


def test_projection_sums_to_data_yield(samples):
    ctx, data, mc, genmc = samples
    cm = bw_zlm_model()
    nll = gl.NLL(cm.model, data, mc)
    weights = nll.project(cm.truth)
    assert float(weights.sum()) == pytest.approx(float(data.weights.sum()), rel=1e-12)
    # direct formula: w_j I_j N_w / Σ_acc w I
    intensity = cm.model.load(mc).evaluate(cm.truth).real
    want = mc.weights * intensity * data.weights.sum() / np.sum(mc.weights * intensity)
    np.testing.assert_allclose(weights, want, rtol=1e-12)
    # another sample is normalised by the accepted MC, not by itself
    other = nll.project(cm.truth, mc=genmc)
    gen_i = cm.model.load(genmc).evaluate(cm.truth).real
    np.testing.assert_allclose(other, gen_i * data.weights.sum() / np.sum(mc.weights * intensity), rtol=1e-12)


def test_non_interfering_waves_add_up_and_activation_is_restored(samples):
    ctx, data, mc, _ = samples
    cm = demo_model()
    nll = gl.NLL(cm.model, data, mc)
    total = nll.project(cm.truth)
    # the two reflectivities do not interfere: their projections add up to the total
    plus = nll.project_with(cm.truth, ["f0+", "a0+", "f2", "a2", "Z00+", "Z22+"])
    minus = nll.project_with(cm.truth, ["f0-", "a0-", "Z00-"])
    np.testing.assert_allclose(plus + minus, total, rtol=1e-10)
    assert nll.mc_evaluator.active == frozenset(cm.model.amplitudes)
    with pytest.raises(gl.ModelError):
        nll.project_with(cm.truth, ["nope"])
    assert nll.mc_evaluator.active == frozenset(cm.model.amplitudes), "activation restored after an error"


def test_sum_of_terms_shares_parameters(samples):
    ctx, data, mc, genmc = samples
    cm = bw_zlm_model()
    a, b = gl.NLL(cm.model, data, mc), gl.NLL(cm.model, genmc, mc)
    total = a + b
    assert total.parameters == a.parameters
    v, g = total.value_and_gradient(cm.start)
    va, ga = a.value_and_gradient(cm.start)
    vb, gb = b.value_and_gradient(cm.start)
    assert v == pytest.approx(va + vb, rel=1e-14)
    np.testing.assert_allclose(g, ga + gb, rtol=1e-13)
    total.isolate(["S0+", "f0(1500)", "Z00+"])
    assert a.data_evaluator.active == b.data_evaluator.active == frozenset({"S0+", "f0(1500)", "Z00+"})
    total.activate_all()


def test_terms_on_different_contexts_cannot_be_summed(samples):
    ctx, data, mc, _ = samples
    other = gl.ExecutionContext(device="cpu", backend="numpy")
    d2, m2 = gl.generate_kskp(100, seed=1, ctx=other), gl.generate_kskp_mc(100, seed=1, ctx=other)
    cm = bw_zlm_model()
    with pytest.raises(gl.ContextError):
        _ = gl.NLL(cm.model, data, mc) + gl.NLL(cm.model, d2, m2)


def test_bootstrap_replica_reweights_data_only(samples):
    ctx, data, mc, _ = samples
    cm = bw_zlm_model()
    nll = gl.NLL(cm.model, data, mc)
    replica = nll.bootstrap_replica(5)
    direct = gl.NLL(cm.model, data.bootstrap(5), mc)
    assert replica.value(cm.start) == pytest.approx(direct.value(cm.start), rel=1e-12)
    np.testing.assert_allclose(replica.gradient(cm.start), direct.gradient(cm.start), rtol=1e-10)
    assert nll.value(cm.start) != pytest.approx(replica.value(cm.start))


def test_empty_accepted_mc_is_rejected(samples):
    ctx, data, mc, _ = samples
    empty = mc.select(np.zeros(mc.n_events, dtype=bool))
    with pytest.raises(gl.DataError, match="accepted-MC set is empty"):
        gl.NLL(bw_zlm_model().model, data, empty)
