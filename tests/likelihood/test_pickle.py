"""Models, their expressions, variables and column sources pickle and evaluate alike after a round
trip, in this process and in a fresh one (issue 14, part of defect 17)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np

import gpu_laddu as gl
from gpu_laddu.canonical import demo_model


def test_variables_round_trip():
    for v in (gl.Mass(["kshort1", "kshort2"]), gl.CosTheta("beam", ["proton"], "kshort1", ["kshort1", "kshort2"]),
              gl.Polarization("beam", ["proton"]).pol_angle):
        w = pickle.loads(pickle.dumps(v))
        assert w == v and w.key == v.key and type(w) is type(v)


def test_demo_model_round_trip_evaluates_alike(cpu_ctx, tmp_path):
    model = demo_model().model
    model = model.fix("f0- pole1 re", 0.3) or model  # a fixed parameter travels too
    data = gl.generate_kskp_mc(200, seed=4, ctx=cpu_ctx)
    p = np.random.default_rng(2).normal(size=len(model.parameters))
    want = np.asarray(model.load(data).evaluate(p))
    restored = pickle.loads(pickle.dumps(model))
    assert restored.parameters == model.parameters and restored.fixed == model.fixed
    np.testing.assert_array_equal(np.asarray(restored.load(data).evaluate(p)), want)
    # a fresh interpreter: nothing of this process's interned nodes to lean on
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(tmp_path / "p.npy", p)
    script = (
        "import pickle, sys, numpy as np, gpu_laddu as gl\n"
        f"m = pickle.loads(open({str(tmp_path / 'model.pkl')!r}, 'rb').read())\n"
        "ctx = gl.ExecutionContext(device='cpu', backend='numpy')\n"
        "d = gl.generate_kskp_mc(200, seed=4, ctx=ctx)\n"
        f"p = np.load({str(tmp_path / 'p.npy')!r})\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, np.asarray(m.load(d).evaluate(p)))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), want)


def test_deep_model_pickles_without_recursion(cpu_ctx):
    a = gl.parameter("a")
    e = a * 1.0
    for _ in range(5000):
        e = e * 0.999 + 0.001
    model = gl.Model(gl.Scalar("S", e).norm_sqr())
    restored = pickle.loads(pickle.dumps(model))
    assert restored.expression.node is model.expression.node  # interned again
