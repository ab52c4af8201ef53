"""Regression tests of issue 14 (data side): each test names the defect it covers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gpu_laddu as gl
from gpu_laddu.data.ops import poisson_factors

F32 = np.float32


def photons(n: int, seed: int = 0, dtype: type = F32) -> np.ndarray:
    """(n, 4) massless four-momenta rounded to ``dtype``: about half are spacelike by ~1e-8·E²."""
    p = np.random.default_rng(seed).normal(size=(n, 3)) * 2.0
    return np.column_stack([np.sqrt((p * p).sum(axis=1)), p]).astype(dtype)


def m2_over_e2(p4: np.ndarray) -> np.ndarray:
    q = p4.astype(np.float64)
    return (q[:, 0] ** 2 - (q[:, 1:] ** 2).sum(axis=1)) / q[:, 0] ** 2


class ScalarVar:
    def __init__(self, name: str) -> None:
        self.name = name

    def value(self, dataset):  # type: ignore[no-untyped-def]
        return dataset.scalar(self.name)


# -- defect 1: every column is exactly 1-D of length N ---------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    ({"weights": np.ones((5, 1))}, r"weights must be one-dimensional of length N, got shape \(5, 1\)"),
    ({"weights": np.float64(1.0)}, r"weights must be one-dimensional of length N, got shape \(\)"),
    ({"weights": np.ones(4)}, r"different lengths: .*'weight': 4"),
    ({"scalars": {"x": np.ones((5, 1))}}, r"scalar 'x' must be one-dimensional of length N, got shape \(5, 1\)"),
    ({"scalars": {"x": np.ones(6)}}, r"different lengths: .*'x': 6"),
    ({"p4s": {"q": np.ones((5, 4, 1))}}, r"p4 'q' must have shape \(N, 4\)"),
    ({"p4s": {"q": np.ones((5, 3))}}, r"p4 'q' must have shape \(N, 4\)"),
])
def test_from_numpy_columns_must_be_one_dimensional_of_length_n(cpu_ctx, kwargs, match):
    base = {"p4s": {"k": photons(5, dtype=np.float64)}}
    for key, value in kwargs.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    with pytest.raises(gl.DataError, match=match):
        gl.from_numpy(**base, ctx=cpu_ctx)


def test_dataset_refuses_two_dimensional_columns_and_bootstrap_keeps_n_weights(cpu_ctx):
    with pytest.raises(gl.DataError, match=r"weights has shape \(3, 1\)"):
        gl.Dataset(cpu_ctx, {}, {"x": np.ones(3)}, np.ones((3, 1)))
    ds = gl.from_numpy(scalars={"x": np.ones(7)}, weights=np.arange(7.0), ctx=cpu_ctx)
    assert ds.bootstrap(3).weights.shape == (7,)


# -- defect 2 and 10: float32 input round-trips, and the tolerance can be relaxed explicitly ---
def test_float32_four_vectors_from_numpy_use_the_float32_tolerance(cpu_ctx):
    g = photons(200)
    assert m2_over_e2(g).min() < -1e-9  # the float64 tolerance would reject these
    ds = gl.from_numpy(p4s={"g": g}, ctx=cpu_ctx)
    assert ds.m2_tolerances["g"] == 8 * float(np.finfo(F32).eps)
    np.testing.assert_array_equal(ds.p4("g")[1], g[:, 1].astype(np.float64))
    with pytest.raises(gl.DataError, match="unphysical"):
        gl.from_numpy(p4s={"g": g.astype(np.float64)}, ctx=cpu_ctx)


@pytest.mark.parametrize("row_group_size", [1 << 20, 37])
def test_float32_input_written_and_read_back(tmp_path, cpu_ctx, row_group_size):
    g = photons(300, seed=1)
    table = pa.table({f"g_{s}": g[:, i] for i, s in enumerate(("e", "px", "py", "pz"))} | {"x": np.ones(300)})
    for ds in (gl.from_arrow(table, ctx=cpu_ctx), gl.from_numpy(p4s={"g": g}, scalars={"x": np.ones(300)},
                                                                ctx=cpu_ctx)):
        gl.write_parquet(ds, tmp_path / "g.parquet", row_group_size=row_group_size)
        back = gl.read_parquet(tmp_path / "g.parquet", ctx=cpu_ctx)
        for a, b in zip(back.p4("g"), ds.p4("g")):
            np.testing.assert_array_equal(a, b)
        assert back.m2_tolerances == ds.m2_tolerances
        selected = back.select(back.scalar("x") > 0).bin_by(ScalarVar("x"), 1, (0.0, 2.0))[0]
        gl.write_parquet(selected.bootstrap(1), tmp_path / "again.parquet")  # derived datasets keep it
        assert gl.read_parquet(tmp_path / "again.parquet", ctx=cpu_ctx).n_events == 300
    with pytest.raises(gl.DataError, match="unphysical"):  # an explicit tolerance wins over the file's
        gl.read_parquet(tmp_path / "g.parquet", ctx=cpu_ctx, m2_tolerance=1e-9)


def test_float32_four_vectors_boosted_to_a_rest_frame_are_written_and_read_back(tmp_path, cpu_ctx):
    rng = np.random.default_rng(5)
    p = rng.normal(size=(500, 3))
    p[:, 2] += 8.0  # a beam-like photon: E' in the rest frame is ~4x smaller than E
    photon = np.column_stack([np.sqrt((p * p).sum(axis=1)), p]).astype(F32)
    q = rng.normal(size=(500, 3)) * 0.3
    proton = np.column_stack([np.sqrt(0.938**2 + (q * q).sum(axis=1)), q]).astype(F32)
    ds = gl.from_numpy(p4s={"g": photon, "p": proton}, ctx=cpu_ctx)
    boosted = ds.boost_to_rest_frame_of(["g", "p"])
    assert boosted.m2_tolerances["g"] > ds.m2_tolerances["g"]  # m² error is invariant, E' is smaller
    gl.write_parquet(boosted, tmp_path / "b.parquet")
    back = gl.read_parquet(tmp_path / "b.parquet", ctx=cpu_ctx)
    np.testing.assert_array_equal(back.p4("g")[0], boosted.p4("g")[0])


def test_m2_tolerance_relaxes_the_check_everywhere(tmp_path, cpu_ctx):
    off = np.array([[1.0, 1.0 + 1e-4, 0.0, 0.0], [2.0, 0.0, 0.0, 1.0]])
    with pytest.raises(gl.DataError, match="unphysical"):
        gl.from_numpy(p4s={"k": off}, ctx=cpu_ctx)
    ds = gl.from_numpy(p4s={"k": off}, ctx=cpu_ctx, m2_tolerance=1e-3)
    gl.write_parquet(ds, tmp_path / "k.parquet")
    assert gl.read_parquet(tmp_path / "k.parquet", ctx=cpu_ctx).m2_tolerances == {"k": 1e-3}
    cols = {f"k_{s}": off[:, i] for i, s in enumerate(("e", "px", "py", "pz"))}
    assert gl.from_dict(cols, ctx=cpu_ctx, m2_tolerance=1e-3).n_events == 2
    assert gl.from_arrow(pa.table(cols), ctx=cpu_ctx, m2_tolerance=1e-3).n_events == 2
    for bad in (-1.0, float("nan"), "1e-3", True):
        with pytest.raises(gl.DataError, match="m2_tolerance must be None or a finite number >= 0"):
            gl.from_numpy(p4s={"k": off}, ctx=cpu_ctx, m2_tolerance=bad)
    schema = pa.schema([pa.field("x", pa.float64(), metadata={b"gpu_laddu:m2_tolerance": b"lots"})])
    pq.write_table(pa.table({"x": [1.0]}, schema=schema), tmp_path / "bad.parquet")
    with pytest.raises(gl.DataError, match="records an invalid m2 tolerance"):
        gl.read_parquet(tmp_path / "bad.parquet", ctx=cpu_ctx)


def test_convert_of_a_float32_amptools_tree_with_photons_reads_back(tmp_path):
    uproot = pytest.importorskip("uproot", reason="the root extra (uproot) is not installed")
    ak = pytest.importorskip("awkward")
    from gpu_laddu.cli import main

    n = 200
    beam = photons(n, seed=2)
    finals = np.stack([photons(n, seed=3), photons(n, seed=4)], axis=2)  # (n, 4, 2): two photons
    assert min(m2_over_e2(beam).min(), m2_over_e2(finals[:, :, 0]).min()) < -1e-9
    branches = {f"{c}_Beam": beam[:, i] for i, c in enumerate(("E", "Px", "Py", "Pz"))}
    branches |= {f"{c}_FinalState": ak.Array(list(finals[:, i, :])) for i, c in enumerate(("E", "Px", "Py", "Pz"))}
    types = {k: (F32 if k.endswith("Beam") else "var * float32") for k in branches}
    with uproot.recreate(tmp_path / "gg.root") as f:
        f.mktree("kin", types, counter_name=lambda counted: "NumFinalState")
        f["kin"].extend(branches)
    out = tmp_path / "gg.parquet"
    assert main(["convert", str(tmp_path / "gg.root"), str(out)]) == 0
    back = gl.read_parquet(out, ctx=gl.ExecutionContext(device="cpu", backend="numpy"))
    np.testing.assert_array_equal(back.p4("final_state_1")[2], finals[:, 2, 1].astype(np.float64))


# -- defect 4: name clashes do not skip validation ----------------------------------------------
def test_scalar_named_like_a_component_does_not_hide_the_four_vector(cpu_ctx):
    spacelike = np.array([[1.0, 5.0, 0.0, 0.0]])
    with pytest.raises(gl.DataError, match="four-vector 'k' is unphysical"):
        gl.from_numpy(p4s={"k": spacelike}, scalars={"k_e": np.array([10.0])}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"column 'k_e \(scalar\)' has 1 non-finite"):
        gl.from_numpy(p4s={"k": spacelike[:, [1, 0, 2, 3]]}, scalars={"k_e": np.array([np.nan])}, ctx=cpu_ctx)


def test_nan_scalar_named_weight_next_to_weights_is_checked(cpu_ctx):
    with pytest.raises(gl.DataError, match="column 'weight' has 1 non-finite value"):
        gl.from_numpy(scalars={"weight": np.array([np.nan, 1.0])}, weights=np.ones(2), ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"column 'weight \(the event weights\)' has 1 non-finite"):
        gl.from_numpy(scalars={"weight": np.ones(2)}, weights=np.array([1.0, np.inf]), ctx=cpu_ctx,
                      check_finite=False)


# -- defect 5: names that would change meaning on write -> read are refused ---------------------
@pytest.mark.parametrize("p4s, scalars, weights, match", [
    ({}, {"weight": 6.0}, False, "scalar 'weight' would read back as the event weights"),
    ({}, {"Weight": 6.0}, False, "scalar 'Weight' would read back as the event weights"),
    ({"k": True}, {"k_PX": 6.0}, False, "'k_px' and 'k_PX' are both component 'px' of four-vector 'k'"),
    ({}, {"a_e": 1.0, "a_px": 0.0, "a_py": 0.0, "a_pz": 0.0}, False, "would read back as a four-vector 'a'"),
    ({"": True}, {}, False, "four-vector '' would not read back as one"),
    ({}, {"Weight": 6.0, "WEIGHT": 1.0}, False, "ambiguous"),
    ({}, {"weight": 6.0}, True, r"column names \[.weight.\] would appear twice"),
])
def test_write_refuses_names_that_change_meaning(tmp_path, cpu_ctx, p4s, scalars, weights, match):
    n = 2
    ds = gl.from_numpy(p4s={k: photons(n, dtype=np.float64) for k in p4s},
                       scalars={k: np.full(n, v) for k, v in scalars.items()},
                       weights=np.ones(n) if weights else None, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=match):
        gl.write_parquet(ds, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()
    with pytest.raises(gl.DataError, match=match):
        ds.to_arrow()


def test_names_that_read_back_are_still_written(tmp_path, cpu_ctx):
    ds = gl.from_numpy(p4s={"k": photons(3, dtype=np.float64)},
                       scalars={"Weight": np.full(3, 6.0), "k_e_x": np.ones(3)}, weights=np.full(3, 0.5), ctx=cpu_ctx)
    gl.write_parquet(ds, tmp_path / "ok.parquet")
    back = gl.read_parquet(tmp_path / "ok.parquet", ctx=cpu_ctx)
    assert (back.p4_names, back.scalar_names, back.sum_weights) == (("k",), ("Weight", "k_e_x"), 1.5)


# -- defect 8: no writable aliases of the caller's arrays ---------------------------------------
def test_from_numpy_and_from_dict_do_not_alias_writable_input(cpu_ctx):
    import pandas as pd

    x = np.array([1.0, 2.0, 3.0])
    k = photons(3, dtype=np.float64)
    built = [gl.from_numpy(p4s={"k": k}, scalars={"x": x}, weights=x, ctx=cpu_ctx),
             gl.from_dict({"x": x, "weight": x}, ctx=cpu_ctx),
             gl.from_pandas(pd.DataFrame({"x": x, "weight": x}), ctx=cpu_ctx)]
    x[0] = np.nan
    k[0, 1] = 100.0
    for ds in built:
        assert ds.scalar("x").tolist() == [1.0, 2.0, 3.0] and ds.weights.tolist() == [1.0, 2.0, 3.0]
    assert float(built[0].p4("k")[1][0]) != 100.0
    frozen = np.array([1.0, 2.0])
    frozen.flags.writeable = False
    assert np.shares_memory(gl.from_numpy(scalars={"x": frozen}, ctx=cpu_ctx).scalar("x"), frozen)


# -- defect 11: dictionary-encoded and Categorical float columns are decoded --------------------
def test_dictionary_encoded_columns_are_decoded(tmp_path, cpu_ctx):
    import pandas as pd

    angles = [0.1, 0.2, 0.1, 0.3]
    table = pa.table({"pol_angle": pa.array(angles).dictionary_encode(), "x": [1.0, 2.0, 3.0, 4.0]})
    for ds in (gl.from_arrow(table, ctx=cpu_ctx), gl.from_arrow(table, scalars=["pol_angle"], ctx=cpu_ctx)):
        assert ds.scalar("pol_angle").tolist() == angles
    pq.write_table(table, tmp_path / "dict.parquet")
    assert gl.read_parquet(tmp_path / "dict.parquet", ctx=cpu_ctx).scalar("pol_angle").tolist() == angles
    df = pd.DataFrame({"pol_angle": pd.Categorical(angles), "x": [1.0, 2.0, 3.0, 4.0]})
    assert gl.from_pandas(df, ctx=cpu_ctx).scalar("pol_angle").tolist() == angles
    df.loc[1, "pol_angle"] = np.nan  # a missing category is a null
    with pytest.raises(gl.DataError, match="column 'pol_angle' has null values, the first at row 1"):
        gl.from_pandas(df, ctx=cpu_ctx)
    labels = pa.table({"run": pa.array(["a", "b", "a", "b"]).dictionary_encode()})
    with pytest.raises(gl.DataError, match="non-numeric"):
        gl.from_arrow(labels, scalars=["run"], ctx=cpu_ctx)


# -- defect 12: no overflow (or underflow) in the mass-shell check -----------------------------
@pytest.mark.parametrize("scale", [1e160, 1e200, 1e-170, 1e-300])
def test_spacelike_four_vectors_of_any_scale_are_rejected(cpu_ctx, scale):
    timelike = np.array([[2.0, 1.0, 0.5, 0.2]]) * scale
    assert gl.from_numpy(p4s={"k": timelike}, ctx=cpu_ctx).n_events == 1
    spacelike = np.array([[1.0, 1.5, 0.0, 0.0], [1.0, 0.5, 0.0, 0.0]]) * scale
    with pytest.raises(gl.DataError, match=r"'k' is unphysical at 1 event\(s\), first at row 0"):
        gl.from_numpy(p4s={"k": spacelike}, ctx=cpu_ctx)


# -- defect 13: odd four-vector names round-trip ---------------------------------------------------
@pytest.mark.parametrize("name", ["a\nb", "tab\there", "x_e", "ü β", "k_PX\n"])
def test_odd_four_vector_names_round_trip(tmp_path, cpu_ctx, name):
    ds = gl.from_numpy(p4s={name: photons(4, dtype=np.float64)}, scalars={"s": np.arange(4.0)}, ctx=cpu_ctx)
    gl.write_parquet(ds, tmp_path / "odd.parquet")
    back = gl.read_parquet(tmp_path / "odd.parquet", ctx=cpu_ctx)
    assert (back.p4_names, back.scalar_names) == ((name,), ("s",))


# -- defect 14: the last bin includes the upper limit -----------------------------------------
def test_bin_by_keeps_events_at_the_upper_limit(cpu_ctx):
    values = np.array([0.0, 0.05, 0.1, 0.09999999999999999, np.nextafter(0.1, 1.0)])
    binned = gl.from_numpy(scalars={"v": values}, ctx=cpu_ctx).bin_by(ScalarVar("v"), 19, (0, 0.1))
    assert binned.edges[-1] == 0.1
    assert binned[-1].scalar("v").tolist() == [0.1, 0.09999999999999999]
    assert sum(b.n_events for b in binned) == 4


# -- defect 15: bad arguments raise named GpuLadduErrors ---------------------------------------
def test_bad_seeds_and_polarisation_arguments(cpu_ctx):
    with pytest.raises(gl.DataError, match="generate_kskp: seed must be a non-negative integer, not -1"):
        gl.generate_kskp(10, seed=-1, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="generate_kskp: stream must be a non-negative integer"):
        gl.generate_kskp(10, stream=-2, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="generate_kskp: pol_magnitude must be a real number, not 'abc'"):
        gl.generate_kskp(10, pol_magnitude="abc", ctx=cpu_ctx)  # type: ignore[arg-type]
    with pytest.raises(gl.DataError, match="bootstrap: seed must be a non-negative integer, not -3"):
        poisson_factors(-3, 0, 10)  # what NLL.bootstrap_replica(-3) draws with
    ds = gl.generate_kskp(10, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="seed must be a non-negative integer, not -3"):
        ds.bootstrap(-3)


def amptools_tree(path, *, flat_final=False, eps=None):  # type: ignore[no-untyped-def]
    uproot = pytest.importorskip("uproot", reason="the root extra (uproot) is not installed")
    ak = pytest.importorskip("awkward")
    n = 4
    beam = photons(n, seed=5)
    branches = {f"{c}_Beam": beam[:, i] for i, c in enumerate(("E", "Px", "Py", "Pz"))}
    types = {k: F32 for k in branches}
    final = photons(n, seed=6)
    for i, c in enumerate(("E", "Px", "Py", "Pz")):
        branches[f"{c}_FinalState"] = final[:, i] if flat_final else ak.Array(list(final[:, i:i + 1]))
        types[f"{c}_FinalState"] = F32 if flat_final else "var * float32"
    if eps is not None:
        branches["EPS"] = eps
        types["EPS"] = F32 if eps.ndim == 1 else ("float32", (eps.shape[1],))
    with uproot.recreate(path) as f:
        f.mktree("kin", types, **({} if flat_final else {"counter_name": lambda counted: "NumFinalState"}))
        f["kin"].extend(branches)
    return path


def test_amptools_flat_branches_and_short_eps(tmp_path, cpu_ctx):
    path = amptools_tree(tmp_path / "flat.root", flat_final=True)
    with pytest.raises(gl.DataError, match="branch 'E_FinalState' holds one number per event; it must hold one "
                                           "value per final-state particle"):
        gl.read_amptools(path, ctx=cpu_ctx)
    path = amptools_tree(tmp_path / "eps1.root", eps=np.full(4, 0.3, F32))
    with pytest.raises(gl.DataError, match="branch 'EPS' holds one number per event; it must hold the three"):
        gl.read_amptools(path, ctx=cpu_ctx)
    path = amptools_tree(tmp_path / "eps2.root", eps=np.full((4, 2), 0.3, F32))
    with pytest.raises(gl.DataError, match=r"branch 'EPS' has 2 components at event 0; it must have 3 "
                                           r"\(the polarisation vector"):
        gl.read_amptools(path, ctx=cpu_ctx)
    path = amptools_tree(tmp_path / "ok.root")
    for kwargs, match in [({"pol_magnitude": "abc", "pol_angle": 10.0}, "pol_magnitude must be a degree"),
                          ({"pol_magnitude": 0.3, "pol_angle": "x"}, "pol_angle must be a finite angle"),
                          ({"pol_magnitude": 1.5, "pol_angle": 0.0}, r"in \[0, 1\], not 1.5")]:
        with pytest.raises(gl.DataError, match=match):
            gl.read_amptools(path, ctx=cpu_ctx, **kwargs)
    assert gl.read_amptools(path, ctx=cpu_ctx, pol_magnitude=0.3, pol_angle=10).n_events == 4


# -- defect 17: messages say what is wrong ----------------------------------------------------------
def test_nan_weights_message_does_not_suggest_check_finite(cpu_ctx):
    for check_finite in (True, False):
        with pytest.raises(gl.DataError, match="weights must be finite") as err:
            gl.from_numpy(scalars={"x": np.ones(2)}, weights=np.array([1.0, np.nan]), ctx=cpu_ctx,
                          check_finite=check_finite)
        assert "pass check_finite=False" not in str(err.value)
    with pytest.raises(gl.DataError, match="weights must be finite") as err:
        gl.from_dict({"weight": [np.nan, 1.0]}, ctx=cpu_ctx, check_finite=False)
