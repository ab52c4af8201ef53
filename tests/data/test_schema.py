"""Column roles: laddu's naming rules, inference, explicit selections and their errors."""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pytest

import gpu_laddu as gl
from gpu_laddu.data import from_arrow
from gpu_laddu.data.schema import ColumnType, resolve_columns

F = ColumnType("float", "double")
I = ColumnType("int", "int32")
S = ColumnType("other", "string")


def plan(fields, **kw):
    kw.setdefault("p4s", None)
    kw.setdefault("scalars", None)
    kw.setdefault("weight", "weight")
    return resolve_columns(fields, source="src", **kw)


def test_inference_groups_suffixes_case_insensitively_and_keeps_prefix_case():
    fields = {"Beam_E": F, "Beam_PX": F, "Beam_Py": F, "Beam_pz": F, "pol_angle": F, "Weight": F}
    p = plan(fields)
    assert p.p4s == {"Beam": ("Beam_E", "Beam_PX", "Beam_Py", "Beam_pz")}
    assert p.scalars == {"pol_angle": "pol_angle"}
    assert p.weight == "Weight"


def test_incomplete_group_becomes_scalars_with_warning():
    fields = {"a_e": F, "a_px": F, "b_e": F, "b_px": F, "b_py": F, "b_pz": F}
    with pytest.warns(UserWarning, match="incomplete four-vector 'a'"):
        p = plan(fields)
    assert list(p.p4s) == ["b"] and p.scalars == {"a_e": "a_e", "a_px": "a_px"} and p.weight is None


def test_requested_p4_with_missing_component_is_an_error():
    fields = {"a_e": F, "a_px": F, "a_py": F}
    with pytest.raises(gl.DataError, match=r"four-vector 'a' is missing its component column a_pz"):
        plan(fields, p4s=["a"])


def test_integer_and_string_columns_are_not_inferred_but_ints_can_be_requested():
    fields = {"x": F, "run": I, "tag": S}
    assert plan(fields).scalars == {"x": "x"}
    assert plan(fields, scalars=["x", "run"]).scalars == {"x": "x", "run": "run"}
    with pytest.raises(gl.DataError, match=r"column 'tag' \(scalar 'tag'\) has non-numeric type string"):
        plan(fields, scalars=["tag"])


def test_missing_scalar_and_weight_names():
    fields = {"x": F}
    with pytest.raises(gl.DataError, match="scalar column 'y' is missing.*columns \\['x'\\]"):
        plan(fields, scalars=["y"])
    with pytest.raises(gl.DataError, match="weight column 'w' is missing"):
        plan(fields, weight="w")
    assert plan(fields).weight is None  # the default name may be absent: unit weights
    assert plan({"x": F, "weight": F}, weight=None).scalars == {"x": "x"}  # ignored, not a scalar


def test_string_weight_column_is_an_error():
    with pytest.raises(gl.DataError, match="column 'weight' \\(weight\\) has non-numeric type"):
        plan({"x": F, "weight": S})


def test_old_laddu_layout_positional_names_and_aux_scalars():
    fields = {f"p4_{i}_{c}": F for i in range(3) for c in ("E", "Px", "Py", "Pz")}
    fields |= {f"aux_0_{c}": F for c in "xyz"} | {"weight": F}
    default = plan(fields)
    assert list(default.p4s) == ["p4_0", "p4_1", "p4_2"]
    assert list(default.scalars) == ["aux_0_x", "aux_0_y", "aux_0_z"]
    named = plan(fields, p4s=["beam", "proton"])
    assert named.p4s == {"beam": ("p4_0_E", "p4_0_Px", "p4_0_Py", "p4_0_Pz"),
                         "proton": ("p4_1_E", "p4_1_Px", "p4_1_Py", "p4_1_Pz")}
    assert list(named.scalars) == ["aux_0_x", "aux_0_y", "aux_0_z"]  # p4_2 is not read at all
    with pytest.raises(gl.DataError, match="4 four-vector names were given for an old-layout file with only 3"):
        plan(fields, p4s=["a", "b", "c", "d"])


def test_mapping_selections_rename():
    fields = {"k1_e": F, "k1_px": F, "k1_py": F, "k1_pz": F, "angle": F}
    p = plan(fields, p4s={"kshort": "k1"}, scalars={"pol_angle": "angle"})
    assert p.p4s == {"kshort": ("k1_e", "k1_px", "k1_py", "k1_pz")} and p.scalars == {"pol_angle": "angle"}


def test_ambiguous_names_are_errors():
    with pytest.raises(gl.DataError, match="'a_e' and 'a_E' are both component 'e'"):
        plan({"a_e": F, "a_E": F, "a_px": F, "a_py": F, "a_pz": F})
    with pytest.raises(gl.DataError, match="column name 'Xa' is ambiguous; it matches \\['xa', 'XA'\\]"):
        plan({"xa": F, "XA": F}, scalars=["Xa"])


def test_selection_must_not_be_a_bare_string():
    with pytest.raises(gl.DataError, match="p4s must be a list"):
        plan({"a_e": F}, p4s="a")
    with pytest.raises(gl.DataError, match="scalars must be a list"):
        plan({"x": F}, scalars="x")


def test_bad_nulls_value(cpu_ctx):
    with pytest.raises(gl.DataError, match="nulls must be 'error' or 'nan', not 'drop'"):
        from_arrow(pa.table({"x": [1.0]}), ctx=cpu_ctx, nulls="drop")


def test_inferred_dataset_columns_match_the_arrow_oracle(cpu_ctx):
    rng = np.random.default_rng(5)
    cols = {"A_E": rng.uniform(2, 3, 7), "A_PX": rng.normal(size=7), "A_PY": rng.normal(size=7),
            "A_PZ": rng.normal(size=7), "n": np.arange(7, dtype=np.int64), "x": rng.normal(size=7).astype(np.float32)}
    table = pa.table(cols)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = from_arrow(table, ctx=cpu_ctx)
    assert ds.p4_names == ("A",) and ds.scalar_names == ("x",) and not ds.has_explicit_weights
    for got, col in zip(ds.p4("A"), ("A_E", "A_PX", "A_PY", "A_PZ")):
        np.testing.assert_array_equal(got, table.column(col).to_numpy())
    assert ds.scalar("x").dtype == np.float64
    np.testing.assert_array_equal(ds.scalar("x"), cols["x"].astype(np.float64))
