"""Mass-independent fits over a BinnedDataset: per-bin fits, yields, failures, empty bins, plots."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import bw_zlm_model, kinematics
from gpu_laddu.errors import DataError

EDGES = [1.36, 1.44, 1.52, 1.60, 1.68]


def waves_model():
    """The BW×Zlm model without Breit–Wigners: an S (real) and a D (complex) coefficient per bin."""
    _, angles, pol = kinematics()
    z00, z22 = gl.Zlm("Z00+", 0, 0, "+", angles, pol), gl.Zlm("Z22+", 2, 2, "+", angles, pol)
    s = gl.Scalar("S", gl.parameter("S", initial=10.0, bounds=(0.0, 1e4)))
    d = gl.ComplexScalar("D", gl.parameter("D re", initial=5.0), gl.parameter("D im", initial=5.0))
    return gl.Model((s * z00.real() + d * z22.real()).norm_sqr() + (s * z00.imag() + d * z22.imag()).norm_sqr())


@pytest.fixture(scope="module")
def binned():
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    cm = bw_zlm_model()
    mass = gl.Mass(["kshort1", "kshort2"])
    data = gl.generate_by_model(cm.model, cm.truth, 3000, seed=51, ctx=ctx, pilot_events=5000, envelope_variable=mass,
                                safety=2.0)
    gen = gl.generate_kskp_mc(30_000, seed=52, ctx=ctx)
    keep = np.random.default_rng(53).uniform(size=gen.n_events) < 0.6
    acc = gen.select(keep)
    return cm, mass, data.bin_by(mass, EDGES), acc.bin_by(mass, EDGES), gen.bin_by(mass, EDGES)


def test_every_bin_is_fitted_and_recovers_the_wave_fractions(binned):
    cm, mass, data, acc, gen = binned
    res = gl.fit_binned(waves_model(), data, acc, genmc=gen,
                        waves={"S": ["S", "Z00+"], "D": ["D", "Z22+"], "all": ["*"]}, progress=False)
    assert not res.failures and all(r is not None and r.converged and r.minuit is None for r in res.results)
    s, s_err = res.yield_arrays("S")
    total, _ = res.yield_arrays("all")
    acc_total, _ = res.yield_arrays("all", "accepted")
    for i in range(len(res.results)):
        # extended fit: the accepted yield of the whole model is the bin's data count
        assert acc_total[i] == pytest.approx(data[i].sum_weights, rel=1e-3)
        # S fraction against the truth of the generating BW model on the generated MC of the bin
        ev = cm.model.load(gen[i])
        i_all = float(np.sum(ev.evaluate(cm.truth).real))
        ev.isolate(["S0+", "f0(1500)", "Z00+"])
        i_s = float(np.sum(ev.evaluate(cm.truth).real))
        fraction, err = s[i] / total[i], s_err[i] / total[i]
        assert abs(fraction - i_s / i_all) < 4 * err + 0.02, (i, fraction, i_s / i_all, err)
    text = str(res)
    assert "4/4 bins fitted" in text and "±" in text


def test_a_failing_bin_does_not_lose_the_others(binned):
    cm, mass, data, acc, gen = binned
    starts = [None, {"S": 0.0, "D re": 0.0, "D im": 0.0}, None, None]  # intensity 0 everywhere in bin 1
    res = gl.fit_binned(waves_model(), data, acc, initial=starts, waves={"S": ["S", "Z00+"]}, progress=False,
                        keep_minuit=True)
    assert res.results[0].minos("S")["S"][0] < 0
    assert set(res.failures) == {1} and "FitError" in res.failures[1]
    assert res.results[1] is None and all(res.results[i] is not None for i in (0, 2, 3))
    values, _ = res.yield_arrays("S")
    assert np.isnan(values[1]) and np.all(np.isfinite(values[[0, 2, 3]]))
    assert "FAILED" in res.table()


def test_bad_input_is_reported_before_any_fit(binned):
    cm, mass, data, acc, gen = binned
    full = gl.generate_kskp(300, seed=5, ctx=data[0].ctx)
    with_empty = full.bin_by(mass, [0.0, 0.5, 100.0])  # m(KsKs) > 2 m(Ks) = 0.995 GeV: bin 0 is empty
    mc_binned = gl.generate_kskp_mc(300, seed=6, ctx=data[0].ctx).bin_by(mass, [0.0, 0.5, 100.0])
    with pytest.raises(DataError, match="empty bins"):
        gl.fit_binned(waves_model(), with_empty, mc_binned, progress=False)
    with pytest.raises(DataError, match="binned differently"):
        gl.fit_binned(waves_model(), data, mc_binned, progress=False)
    with pytest.raises(DataError, match="4 bins"):
        gl.fit_binned(waves_model(), data, acc, initial=[None], progress=False)


def test_plot_yields(binned, tmp_path):
    pytest.importorskip("matplotlib")
    from gpu_laddu.plot import plot_yields

    cm, mass, data, acc, gen = binned
    res = gl.fit_binned(waves_model(), data, acc, genmc=gen, waves={"S": ["S", "Z00+"], "D": ["D", "Z22+"]},
                        progress=False, max_calls=2000)
    png = plot_yields(res, xlabel="m(KsKs)", unit="GeV", path=tmp_path / "y.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(DataError, match="no yields for wave"):
        res.yield_arrays("P")
