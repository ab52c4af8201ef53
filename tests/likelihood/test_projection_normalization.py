"""project/project_with normalisations: laddu 0.28.1's w·I ("none") and the data yield ("data")."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model
from gpu_laddu.errors import ModelError
from tests.laddu_models import laddu_bw_zlm_tagged
from tests.laddu_oracle import laddu_dataset


@pytest.fixture(scope="module")
def samples():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data = gl.generate_kskp(300, seed=31, ctx=ctx)
    acc = gl.generate_kskp_mc(500, seed=32, ctx=ctx)
    gen = gl.generate_kskp_mc(800, seed=33, ctx=ctx)
    w = np.random.default_rng(3).uniform(0.5, 1.5, gen.n_events)  # explicit generated weights
    gen = gl.from_numpy(p4s={n: np.stack(gen.p4(n), axis=1) for n in gen.p4_names},
                        scalars={n: gen.scalar(n) for n in gen.scalar_names}, weights=w, ctx=ctx)
    return data, acc, gen


@pytest.mark.parametrize("extended", [False, True])
def test_none_is_laddus_projection_weights(laddu, samples, extended):
    data, acc, gen = samples
    cm = bw_zlm_model()
    nll = (gl.ExtendedNLL if extended else gl.NLL)(cm.model, data, acc)
    cls = laddu.ExtendedNLL if extended else laddu.NLL
    lik = laddu.Likelihood([cls(laddu.Model(laddu_bw_zlm_tagged()), data=laddu_dataset(data),
                                accepted_mc=laddu_dataset(acc), name="t")])
    lgen = laddu_dataset(gen)
    p = cm.start
    for tags, names in ((["S", "D"], None), (["S"], ["S0+", "f0*", "Z00+"]), (["D"], ["D2+", "f2(1525)", "Z22+"])):
        theirs = np.asarray(lik.projection("t", generated_mc=lgen, tags=tags).weights(p))
        ours = (nll.project(p, mc=gen, normalization="none") if names is None
                else nll.project_with(p, names, mc=gen, normalization="none"))
        assert np.max(np.abs(ours - theirs)) <= 1e-12 * np.max(np.abs(theirs))
        # "data" = "none" × N_w / Σ_acc w·I
        s_acc = float(np.sum(acc.weights * cm.model.load(acc).evaluate(p).real))
        data_norm = nll.project(p, mc=gen) if names is None else nll.project_with(p, names, mc=gen)
        np.testing.assert_allclose(data_norm, ours * data.sum_weights / s_acc, rtol=1e-12)


def test_bad_normalization(samples):
    data, acc, _ = samples
    nll = gl.NLL(bw_zlm_model().model, data, acc)
    with pytest.raises(ModelError, match="normalization"):
        nll.project(bw_zlm_model().start, normalization="laddu")
    with pytest.raises(ModelError, match="normalization"):
        nll.project_with(bw_zlm_model().start, ["S0+"], normalization=None)
