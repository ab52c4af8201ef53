"""read_root and read_amptools on small ROOT files written with uproot."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.data import read_amptools, read_root
from gpu_laddu.distributed.comm import partition

from .util import event_columns, rank_contexts

uproot = pytest.importorskip("uproot", reason="the root extra (uproot) is not installed")
ak = pytest.importorskip("awkward")


def write_tree(path, branches, name="events", **kw):
    types = {k: (v.dtype if isinstance(v, np.ndarray) and v.ndim == 1 else kw.pop(f"type_{k}")) for k, v in
             branches.items()}
    with uproot.recreate(path) as f:
        f.mktree(name, types, **kw)
        f[name].extend(branches)
    return path


def test_flat_tree_against_numpy(tmp_path, cpu_ctx):
    cols = event_columns(300, seed=1)
    cols["pol_angle"] = cols["pol_angle"].astype(np.float32)
    cols["run"] = np.arange(300, dtype=np.int32)
    path = write_tree(tmp_path / "flat.root", cols)
    ds = read_root(path, ctx=cpu_ctx)
    assert ds.p4_names == ("beam", "kshort1", "kshort2", "proton")
    assert ds.scalar_names == ("pol_magnitude", "pol_angle")  # the int branch is not inferred
    np.testing.assert_array_equal(ds.p4("proton")[3], cols["proton_pz"])
    np.testing.assert_array_equal(ds.scalar("pol_angle"), cols["pol_angle"].astype(np.float64))
    np.testing.assert_array_equal(ds.weights, cols["weight"])
    assert read_root(path, ctx=cpu_ctx, scalars=["run"]).scalar("run").tolist() == list(range(300))


def test_partitioned_reads(tmp_path):
    cols = event_columns(101, seed=2)
    path = write_tree(tmp_path / "p.root", cols)
    got = []
    for ctx in rank_contexts(4):
        ds = read_root(path, ctx=ctx)
        start, stop = partition(101, ctx.rank, ctx.size)
        assert (ds.n_events, ds.n_events_global, ds.global_start) == (stop - start, 101, start)
        got.append(ds.p4("kshort2")[0])
    np.testing.assert_array_equal(np.concatenate(got), cols["kshort2_e"])


def test_tree_selection_and_file_errors(tmp_path, cpu_ctx):
    path = tmp_path / "two.root"
    with uproot.recreate(path) as f:
        for name in ("a", "b"):
            f.mktree(name, {"x": np.float64})
            f[name].extend({"x": np.array([1.0, 2.0])})
    with pytest.raises(gl.DataError, match=r"several TTrees \['a', 'b'\] in the file; pass tree="):
        read_root(path, ctx=cpu_ctx)
    assert read_root(path, tree="b", ctx=cpu_ctx).scalar("x").tolist() == [1.0, 2.0]
    with pytest.raises(gl.DataError, match=r"no TTree named 'c'; the file has \['a', 'b'\]"):
        read_root(path, tree="c", ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="missing.root: no such file"):
        read_root(tmp_path / "missing.root", ctx=cpu_ctx)
    (tmp_path / "junk.root").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(gl.DataError, match="junk.root: not a readable ROOT file"):
        read_root(tmp_path / "junk.root", ctx=cpu_ctx)
    empty = tmp_path / "empty.root"
    with uproot.recreate(empty) as f:
        f.mktree("t", {"x": np.float64})
    with pytest.raises(gl.DataError, match="the dataset is empty"):
        read_root(empty, ctx=cpu_ctx)


def test_array_branches_are_not_scalars(tmp_path, cpu_ctx):
    path = write_tree(tmp_path / "arr.root", {"x": np.arange(3.0), "v": np.ones((3, 3))}, type_v=("f8", (3,)))
    assert read_root(path, ctx=cpu_ctx).scalar_names == ("x",)
    with pytest.raises(gl.DataError, match=r"column 'v' \(scalar 'v'\) has non-numeric type double\[3\]"):
        read_root(path, ctx=cpu_ctx, scalars=["v"])


def test_values_are_checked(tmp_path, cpu_ctx):
    cols = event_columns(10, seed=3)
    cols["beam_e"][6] = np.nan
    with pytest.raises(gl.DataError, match=r"column 'beam_e' has 1 non-finite value\(s\), first at row 6"):
        read_root(write_tree(tmp_path / "nan.root", cols), ctx=cpu_ctx)


def test_missing_uproot_names_the_extra(tmp_path, monkeypatch, cpu_ctx):
    monkeypatch.setitem(sys.modules, "uproot", None)
    with pytest.raises(gl.BackendUnavailableError, match=r"pip install gpu_laddu\[root\]"):
        read_root(tmp_path / "x.root", ctx=cpu_ctx)
    with pytest.raises(gl.BackendUnavailableError, match=r"gpu_laddu\[root\]"):
        read_amptools(tmp_path / "x.root", ctx=cpu_ctx)


def amptools_file(path, n=50, seed=4, *, n_final=3, weight=True, eps=False, pol_in_beam=False):
    rng = np.random.default_rng(seed)
    f32 = np.float32
    e_beam = rng.uniform(8.0, 9.0, n).astype(f32)
    beam = {"E_Beam": e_beam, "Px_Beam": np.zeros(n, f32), "Py_Beam": np.zeros(n, f32), "Pz_Beam": e_beam.copy()}
    if pol_in_beam:
        beam["Px_Beam"] = rng.uniform(-0.4, 0.4, n).astype(f32)
        beam["Py_Beam"] = rng.uniform(-0.4, 0.4, n).astype(f32)
    p = rng.normal(size=(3, n, n_final)).astype(f32)
    e = np.sqrt(0.25 + (p.astype(np.float64) ** 2).sum(axis=0)).astype(f32)
    finals = {f"{c}_FinalState": ak.Array(list(v)) for c, v in zip(("E", "Px", "Py", "Pz"), (e, *p))}
    branches = {**beam, **finals}
    types = {**{k: f32 for k in beam}, **{k: "var * float32" for k in finals}}
    if weight:
        branches["Weight"] = rng.normal(0.3, 1.0, n).astype(f32)
        types["Weight"] = f32
    if eps:
        branches["EPS"] = np.column_stack([rng.uniform(-0.4, 0.4, (n, 2)), np.zeros(n)]).astype(f32)
        types["EPS"] = ("float32", (3,))
    with uproot.recreate(path) as f:
        f.mktree("kin", types, counter_name=lambda counted: "NumFinalState")
        f["kin"].extend(branches)
    return path, branches, (e, *p)


def test_amptools_layout_and_values(tmp_path, cpu_ctx):
    path, br, finals = amptools_file(tmp_path / "a.root")
    ds = read_amptools(path, ctx=cpu_ctx)
    assert ds.p4_names == ("beam", "final_state_0", "final_state_1", "final_state_2")
    assert ds.scalar_names == ()
    np.testing.assert_array_equal(ds.p4("beam")[0], br["E_Beam"].astype(np.float64))
    for i in range(3):
        for comp, oracle in zip(ds.p4(f"final_state_{i}"), finals):
            np.testing.assert_array_equal(comp, oracle[:, i].astype(np.float64))
    np.testing.assert_array_equal(ds.weights, br["Weight"].astype(np.float64))
    assert not read_amptools(amptools_file(tmp_path / "nw.root", weight=False)[0], ctx=cpu_ctx).has_explicit_weights


def test_amptools_polarisation_sources(tmp_path, cpu_ctx):
    path, br, _ = amptools_file(tmp_path / "pib.root", pol_in_beam=True)
    ds = read_amptools(path, ctx=cpu_ctx, pol_in_beam=True)
    px, py = br["Px_Beam"].astype(np.float64), br["Py_Beam"].astype(np.float64)
    np.testing.assert_allclose(ds.scalar("pol_magnitude"), np.sqrt(px**2 + py**2), rtol=1e-15)
    np.testing.assert_allclose(ds.scalar("pol_angle"), np.arctan2(py, px), rtol=1e-15)
    assert not ds.p4("beam")[1].any() and not ds.p4("beam")[2].any()
    np.testing.assert_array_equal(ds.p4("beam")[3], br["Pz_Beam"].astype(np.float64))
    with pytest.raises(gl.DataError, match="four-vector 'beam' is unphysical"):
        read_amptools(path, ctx=cpu_ctx)  # without pol_in_beam the beam is spacelike

    fixed = read_amptools(amptools_file(tmp_path / "f.root")[0], ctx=cpu_ctx, pol_angle=45.0, pol_magnitude=0.35)
    assert np.all(fixed.scalar("pol_angle") == np.pi / 4) and np.all(fixed.scalar("pol_magnitude") == 0.35)

    path, br, _ = amptools_file(tmp_path / "eps.root", eps=True)
    ds = read_amptools(path, ctx=cpu_ctx)
    eps = br["EPS"].astype(np.float64)
    assert ds.scalar_names == ("eps_x", "eps_y", "eps_z", "pol_magnitude", "pol_angle")
    np.testing.assert_array_equal(ds.scalar("eps_y"), eps[:, 1])
    np.testing.assert_allclose(ds.scalar("pol_angle"), np.arctan2(eps[:, 1], eps[:, 0]), rtol=1e-15)
    with pytest.raises(gl.DataError, match="has an 'EPS' branch, so pol_in_beam/pol_angle would contradict it"):
        read_amptools(path, ctx=cpu_ctx, pol_in_beam=True)


def test_amptools_option_and_layout_errors(tmp_path, cpu_ctx):
    path, _, _ = amptools_file(tmp_path / "a.root")
    with pytest.raises(gl.DataError, match="give both pol_angle"):
        read_amptools(path, ctx=cpu_ctx, pol_angle=10.0)
    with pytest.raises(gl.DataError, match="contradict each other"):
        read_amptools(path, ctx=cpu_ctx, pol_in_beam=True, pol_angle=10.0, pol_magnitude=0.3)
    with pytest.raises(gl.DataError, match="no TTree named 'kinematics'"):
        read_amptools(path, ctx=cpu_ctx, tree="kinematics")
    flat = write_tree(tmp_path / "flat.root", {"E_Beam": np.ones(2)}, name="kin")
    with pytest.raises(gl.DataError, match=r"AmpTools branches \['Px_Beam', 'Py_Beam'"):
        read_amptools(flat, ctx=cpu_ctx)
    ragged = tmp_path / "ragged.root"
    one = {"E_Beam": np.full(3, 9.0, np.float32), "Px_Beam": np.zeros(3, np.float32),
           "Py_Beam": np.zeros(3, np.float32), "Pz_Beam": np.full(3, 9.0, np.float32)}
    jag = ak.Array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0, 1.0]])
    with uproot.recreate(ragged) as f:
        f.mktree("kin", {**{k: np.float32 for k in one}, **{f"{c}_FinalState": "var * float32" for c in
                                                           ("E", "Px", "Py", "Pz")}})
        f["kin"].extend({**one, **{f"{c}_FinalState": jag * (1.0 if c == "E" else 0.0) for c in
                                  ("E", "Px", "Py", "Pz")}})
    with pytest.raises(gl.DataError, match="'E_FinalState' has 3 entries at event 2, where the first event has 2"):
        read_amptools(ragged, ctx=cpu_ctx)


def test_amptools_partitioned(tmp_path):
    path, br, finals = amptools_file(tmp_path / "a.root", n=23)
    got = []
    for ctx in rank_contexts(3):
        ds = read_amptools(path, ctx=ctx)
        assert ds.n_events_global == 23 and ds.p4_names[-1] == "final_state_2"
        got.append(ds.p4("final_state_1")[2])
    np.testing.assert_array_equal(np.concatenate(got), finals[2][:, 1].astype(np.float64))
