"""write_root round trips, concat, and read_root's pointer to read_amptools."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.errors import ContextError, DataError


def _sample(ctx, n, seed, weights=True):
    rng = np.random.default_rng(seed)
    p = rng.normal(size=(n, 3))
    e = np.sqrt((p**2).sum(axis=1) + 0.25)
    return gl.from_numpy(p4s={"k": np.column_stack([e, p])}, scalars={"pol_angle": rng.uniform(-3, 3, n)},
                         weights=rng.normal(1.0, 0.5, n) if weights else None, ctx=ctx)


def test_write_root_round_trip(cpu_ctx, tmp_path):
    pytest.importorskip("uproot")
    ds = _sample(cpu_ctx, 50, 1)
    path = tmp_path / "out.root"
    gl.write_root(ds, path, tree="t")
    back = gl.read_root(path, tree="t", ctx=cpu_ctx)
    assert back.p4_names == ("k",) and back.scalar_names == ("pol_angle",) and back.has_explicit_weights
    for a, b in zip(ds.p4("k"), back.p4("k")):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ds.scalar("pol_angle"), back.scalar("pol_angle"))
    np.testing.assert_array_equal(ds.weights, back.weights)
    unit = _sample(cpu_ctx, 5, 2, weights=False)
    gl.write_root(unit, tmp_path / "unit.root")
    assert not gl.read_root(tmp_path / "unit.root", ctx=cpu_ctx).has_explicit_weights
    with pytest.raises(DataError, match="tree must be"):
        gl.write_root(unit, tmp_path / "bad.root", tree="")
    with pytest.raises(DataError, match="cannot write"):
        gl.write_root(unit, tmp_path)  # a directory


def test_concat(cpu_ctx):
    a, b = _sample(cpu_ctx, 7, 3), _sample(cpu_ctx, 4, 4, weights=False)
    both = gl.concat([a, b])
    assert both.n_events == 11 and both.n_events_global == 11
    np.testing.assert_array_equal(both.weights, np.concatenate([a.weights, np.ones(4)]))
    np.testing.assert_array_equal(both.p4("k")[0], np.concatenate([a.p4("k")[0], b.p4("k")[0]]))
    np.testing.assert_array_equal(both.scalar("pol_angle"), np.concatenate([a.scalar("pol_angle"),
                                                                            b.scalar("pol_angle")]))
    assert not gl.concat([b, b]).has_explicit_weights
    with pytest.raises(DataError, match="at least one"):
        gl.concat([])
    other = gl.from_numpy(scalars={"x": np.ones(2)}, ctx=cpu_ctx)
    with pytest.raises(DataError, match="dataset 1 has columns"):
        gl.concat([a, other])
    ctx2 = gl.ExecutionContext(device="cpu", backend="numpy")
    with pytest.raises(ContextError, match="another ExecutionContext"):
        gl.concat([a, _sample(ctx2, 3, 5)])


def test_read_root_points_amptools_trees_to_read_amptools(cpu_ctx, tmp_path):
    uproot = pytest.importorskip("uproot")
    ak = pytest.importorskip("awkward")
    path = str(tmp_path / "amptools.root")
    beam = {"E_Beam": [8.5], "Px_Beam": [0.3], "Py_Beam": [0.0], "Pz_Beam": [8.5]}
    finals = {f"{c}_FinalState": ak.Array([[v, v]]) for c, v in [("E", 1.0), ("Px", 0.1), ("Py", 0.1), ("Pz", 0.1)]}
    with uproot.recreate(path) as f:
        f.mktree("kin", {**{k: np.float32 for k in beam}, **{k: "var * float32" for k in finals}},
                 counter_name=lambda counted: "NumFinalState")
        f["kin"].extend({**{k: np.array(v, np.float32) for k, v in beam.items()}, **finals})
    with pytest.raises(DataError, match="read_amptools"):
        gl.read_root(path, ctx=cpu_ctx)
    assert gl.read_amptools(path, pol_in_beam=True, ctx=cpu_ctx).p4_names == ("beam", "final_state_0", "final_state_1")
    # an explicit selection still reads the flat branches
    assert gl.read_root(path, ctx=cpu_ctx, scalars=["E_Beam"]).scalar_names == ("E_Beam",)
