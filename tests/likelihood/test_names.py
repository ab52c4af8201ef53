"""Model.fix/free return new models; partial parameter mappings; glob amplitude patterns."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model
from gpu_laddu.errors import ModelError, ParameterError


@pytest.fixture(scope="module")
def events():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    return gl.generate_kskp(200, seed=5, ctx=ctx), gl.generate_kskp_mc(400, seed=6, ctx=ctx)


def test_fix_and_free_return_new_models():
    model = bw_zlm_model().model
    fixed = model.fix("S0+ re", 1.0)
    assert fixed is not model
    assert model.fixed == {} and "S0+ re" in model.parameters
    assert fixed.fixed == {"S0+ re": 1.0} and "S0+ re" not in fixed.parameters
    again = fixed.free("S0+ re")
    assert again.parameters == model.parameters and fixed.fixed == {"S0+ re": 1.0}


def test_partial_mapping_takes_defaults(laddu, events):
    from tests.laddu_models import laddu_bw_zlm
    from tests.laddu_oracle import laddu_dataset

    data, mc = events
    a = gl.parameter("a", initial=0.8)
    b = gl.parameter("b")  # no initial: default 0, as in laddu
    model = gl.Model((a * 1.0 + b * 2.0).norm_sqr() + 0.5)
    nll = gl.ExtendedNLL(model, data, mc)
    assert nll.value({"b": 0.3}) == nll.value([0.8, 0.3])
    assert nll.value({}) == nll.value([0.8, 0.0])
    ev = model.load(data)
    np.testing.assert_array_equal(ev.evaluate({"a": 1.5}), ev.evaluate([1.5, 0.0]))
    with pytest.raises(ParameterError, match="unknown parameter"):
        nll.value({"zz": 1.0})
    # laddu 0.28.1 fills omitted names the same way
    cm = bw_zlm_model()
    ours = gl.ExtendedNLL(cm.model, data, mc)
    lmodel = laddu.Model(laddu_bw_zlm())
    lik = laddu.Likelihood([laddu.ExtendedNLL(lmodel, data=laddu_dataset(data), accepted_mc=laddu_dataset(mc))])
    defaults = dict(zip(lik.parameter_names, lik.default_parameters))
    assert defaults == ours.default_parameters() | {"f0_width": defaults["f0_width"], "f2_width": defaults["f2_width"]}
    partial = {"S0+ re": 1.0, "f0_width": 0.1, "f2_width": 0.09}
    assert ours.value(partial) == pytest.approx(lik.value(partial), rel=1e-10)


def test_glob_patterns(events):
    data, mc = events
    cm = bw_zlm_model()
    nll = gl.NLL(cm.model.fix("S0+ re", 1.0), data, mc)
    ev = nll.data_evaluator
    nll.isolate("f0*")
    assert ev.active == {"f0(1500)"}
    nll.activate(["Z*", "S0?"])
    assert ev.active == {"f0(1500)", "Z00+", "Z22+", "S0+"}
    nll.deactivate("Z2[2]+")
    assert "Z22+" not in ev.active
    nll.activate_all()
    total = nll + nll
    total.isolate(["f2*", "D2+", "Z22+"])
    assert ev.active == {"f2(1525)", "D2+", "Z22+"}
    with pytest.raises(ModelError, match="matches no amplitude"):
        nll.isolate("rho*")
    with pytest.raises(ModelError, match="unknown amplitude"):
        total.activate("f0")
