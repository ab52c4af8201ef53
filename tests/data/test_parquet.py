"""read_parquet / write_parquet against pyarrow (the oracle), partitioning, streaming, errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gpu_laddu as gl
from gpu_laddu.data import read_parquet, write_parquet
from gpu_laddu.distributed.comm import partition

from .util import P4_NAMES, event_columns, event_table, rank_contexts


@pytest.fixture
def spy(monkeypatch):
    """Record (row group, columns) of every row-group read (whole, or in batches)."""
    calls: list[tuple[int, tuple[str, ...]]] = []
    read_row_group, iter_batches = pq.ParquetFile.read_row_group, pq.ParquetFile.iter_batches

    def recording(self, i, columns=None, **kw):
        calls.append((i, tuple(columns or ())))
        return read_row_group(self, i, columns=columns, **kw)

    def recording_batches(self, *args, row_groups=None, columns=None, **kw):
        calls.extend((i, tuple(columns or ())) for i in row_groups)
        return iter_batches(self, *args, row_groups=row_groups, columns=columns, **kw)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", recording)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", recording_batches)
    return calls


def assert_matches_table(ds, table, rows=slice(None)):
    for name in ds.p4_names:
        for comp, suffix in zip(ds.p4(name), ("e", "px", "py", "pz")):
            np.testing.assert_array_equal(comp, table.column(f"{name}_{suffix}").to_numpy()[rows])
    for name in ds.scalar_names:
        np.testing.assert_array_equal(ds.scalar(name), table.column(name).to_numpy()[rows])
    np.testing.assert_array_equal(ds.weights, table.column("weight").to_numpy()[rows])


def test_roundtrip_against_pyarrow(tmp_path, cpu_ctx):
    table = event_table(500, seed=1)
    path = tmp_path / "events.parquet"
    pq.write_table(table, path, row_group_size=128)
    ds = read_parquet(path, ctx=cpu_ctx)
    assert ds.p4_names == P4_NAMES and ds.scalar_names == ("pol_magnitude", "pol_angle")
    assert ds.n_events == ds.n_events_global == 500
    assert_matches_table(ds, table)
    assert np.any(ds.weights < 0)
    assert ds.sum_weights == pytest.approx(table.column("weight").to_numpy().sum())


def test_write_parquet_roundtrip_uses_laddu_names(tmp_path, cpu_ctx):
    table = event_table(300, seed=2)
    ds = gl.data.from_arrow(table, ctx=cpu_ctx)
    path = tmp_path / "out.parquet"
    write_parquet(ds, path, row_group_size=100)
    back = pq.read_table(path)
    assert back.column_names == table.column_names
    assert all(t == pa.float64() for t in back.schema.types)
    assert back.equals(table)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3


def test_unit_weights_are_not_written(tmp_path, cpu_ctx):
    ds = gl.from_numpy(scalars={"x": np.arange(3.0)}, ctx=cpu_ctx)
    write_parquet(ds, tmp_path / "u.parquet")
    assert pq.read_table(tmp_path / "u.parquet").column_names == ["x"]
    assert not read_parquet(tmp_path / "u.parquet", ctx=cpu_ctx).has_explicit_weights


def test_projection_reads_only_needed_columns(tmp_path, cpu_ctx, spy):
    cols = event_columns(50, seed=3)
    cols["junk"] = np.zeros(50)
    cols["run"] = np.arange(50)
    cols["label"] = np.array(["a"] * 50)
    pq.write_table(pa.table(cols), tmp_path / "p.parquet")
    ds = read_parquet(tmp_path / "p.parquet", ctx=cpu_ctx, p4s=["proton"], scalars=["pol_angle"])
    assert ds.p4_names == ("proton",) and ds.scalar_names == ("pol_angle",)
    read = [c for _, cols in spy for c in cols]
    assert {i for i, _ in spy} == {0} and len(read) == len(set(read))  # each column decoded once
    assert set(read) == {"proton_e", "proton_px", "proton_py", "proton_pz", "pol_angle", "weight"}
    spy.clear()
    read_parquet(tmp_path / "p.parquet", ctx=cpu_ctx)
    read = {c for _, cols in spy for c in cols}
    assert {"run", "label"}.isdisjoint(read) and "junk" in read and len(read) == 20


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_each_rank_reads_only_overlapping_row_groups(tmp_path, spy, size):
    n, group = 1003, 100
    table = event_table(n, seed=4)
    path = tmp_path / "mpi.parquet"
    pq.write_table(table, path, row_group_size=group)
    parts = []
    for ctx in rank_contexts(size):
        spy.clear()
        ds = read_parquet(path, ctx=ctx)
        start, stop = partition(n, ctx.rank, ctx.size)
        assert ds.n_events == stop - start and ds.n_events_global == n and ds.global_start == start
        assert [i for i, _ in spy] == list(range(start // group, (stop - 1) // group + 1))
        assert_matches_table(ds, table, slice(start, stop))
        parts.append(ds.weights)
    np.testing.assert_array_equal(np.concatenate(parts), table.column("weight").to_numpy())


def test_ranks_sharing_one_big_row_group_keep_only_their_rows(tmp_path, spy):
    n = 150_000  # one row group, several 65536-row batches
    table = event_table(n, seed=12)
    pq.write_table(table, tmp_path / "big.parquet", row_group_size=n)
    parts = []
    for ctx in rank_contexts(3):
        ds = read_parquet(tmp_path / "big.parquet", ctx=ctx)
        start, stop = partition(n, ctx.rank, ctx.size)
        assert_matches_table(ds, table, slice(start, stop))
        assert ds.p4("proton")[0].flags.owndata  # copied out of the batches, which are released
        parts.append(ds.p4("proton")[0])
    np.testing.assert_array_equal(np.concatenate(parts), table.column("proton_e").to_numpy())


def test_rank_without_rows_is_fine_but_empty_file_is_not(tmp_path):
    pq.write_table(event_table(2), tmp_path / "two.parquet")
    for ctx in rank_contexts(3):
        ds = read_parquet(tmp_path / "two.parquet", ctx=ctx)
        assert ds.n_events == (1 if ctx.rank < 2 else 0) and ds.n_events_global == 2
        assert ds.p4_names == P4_NAMES
    pq.write_table(event_table(0), tmp_path / "empty.parquet")
    with pytest.raises(gl.DataError, match="empty.parquet: the dataset is empty"):
        read_parquet(tmp_path / "empty.parquet")


def test_single_whole_row_group_is_used_without_copy(tmp_path, cpu_ctx):
    pq.write_table(event_table(64), tmp_path / "one.parquet")
    ds = read_parquet(tmp_path / "one.parquet", ctx=cpu_ctx)
    e = ds.p4("beam")[0]
    assert not e.flags.owndata and not e.flags.writeable  # a view of Arrow's buffer


def test_float32_is_widened_and_its_rounding_tolerated(tmp_path, cpu_ctx):
    rng = np.random.default_rng(6)
    p = rng.normal(size=(3, 200)).astype(np.float32)
    e = np.sqrt((p.astype(np.float64) ** 2).sum(axis=0)).astype(np.float32)  # photons: m = 0 up to float32 rounding
    cols = {"g_e": e, "g_px": p[0], "g_py": p[1], "g_pz": p[2], "x": p[0].copy()}
    m2 = e.astype(np.float64) ** 2 - (p.astype(np.float64) ** 2).sum(axis=0)
    assert (m2 < -1e-9 * e.astype(np.float64) ** 2).any()  # float64 data like this would be rejected
    pq.write_table(pa.table(cols), tmp_path / "f32.parquet")
    ds = read_parquet(tmp_path / "f32.parquet", ctx=cpu_ctx)
    assert ds.scalar("x").dtype == np.float64 and ds.p4("g")[0].dtype == np.float64
    np.testing.assert_array_equal(ds.p4("g")[0], e.astype(np.float64))
    with pytest.raises(gl.DataError, match="four-vector 'g' is unphysical"):
        gl.data.from_dict({k: np.asarray(v, np.float64) for k, v in cols.items()}, ctx=cpu_ctx)


def test_integer_columns_are_read_exactly_when_requested(tmp_path, cpu_ctx):
    big = 2**53 + 1
    pq.write_table(pa.table({"run": np.array([1, 2], np.int64), "big": np.array([0, big])}), tmp_path / "i.parquet")
    ds = read_parquet(tmp_path / "i.parquet", ctx=cpu_ctx, scalars=["run"])
    assert ds.scalar("run").tolist() == [1.0, 2.0]
    with pytest.raises(gl.DataError, match="integer column 'big' has values beyond 2\\*\\*53"):
        read_parquet(tmp_path / "i.parquet", ctx=cpu_ctx, scalars=["big"])
    with pytest.raises(gl.DataError, match="no four-vector, scalar or weight columns to read"):  # ints not inferred
        read_parquet(tmp_path / "i.parquet", ctx=cpu_ctx)


def test_nulls_error_by_default_and_nan_on_request(tmp_path, cpu_ctx):
    table = pa.table({"x": pa.array([1.0, 2.0, None, 4.0]), "y": [1.0, 2.0, 3.0, 4.0]})
    pq.write_table(table, tmp_path / "n.parquet", row_group_size=2)
    with pytest.raises(gl.DataError, match=r"n.parquet: column 'x' has null values, the first at row 2"):
        read_parquet(tmp_path / "n.parquet", ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"column 'x' has 1 non-finite value\(s\), first at row 2"):
        read_parquet(tmp_path / "n.parquet", ctx=cpu_ctx, nulls="nan")
    ds = read_parquet(tmp_path / "n.parquet", ctx=cpu_ctx, nulls="nan", check_finite=False)
    np.testing.assert_array_equal(ds.scalar("x"), [1.0, 2.0, np.nan, 4.0])
    with pytest.raises(gl.DataError, match="nulls must be 'error' or 'nan'"):
        read_parquet(tmp_path / "n.parquet", ctx=cpu_ctx, nulls="zero")


def test_nan_and_inf_name_column_and_file_row_on_every_rank(tmp_path):
    cols = event_columns(100, seed=7)
    cols["kshort2_py"][83] = np.inf
    pq.write_table(pa.table(cols), tmp_path / "bad.parquet", row_group_size=30)
    last = rank_contexts(2)[1]
    with pytest.raises(gl.DataError, match=r"column 'kshort2_py' has 1 non-finite value\(s\), first at row 83"):
        read_parquet(tmp_path / "bad.parquet", ctx=last)
    ds = read_parquet(tmp_path / "bad.parquet", ctx=last, check_finite=False)
    assert np.isinf(ds.p4("kshort2")[2][83 - 50])


def test_non_finite_weights_are_always_errors_negative_weights_are_fine(tmp_path, cpu_ctx):
    cols = event_columns(20, seed=8)
    cols["weight"][:] = -2.5
    pq.write_table(pa.table(cols), tmp_path / "neg.parquet")
    assert read_parquet(tmp_path / "neg.parquet", ctx=cpu_ctx).sum_weights == pytest.approx(-50.0)
    cols["weight"][4] = np.nan
    pq.write_table(pa.table(cols), tmp_path / "nanw.parquet")
    with pytest.raises(gl.DataError, match=r"column 'weight' has 1 non-finite value\(s\), first at row 4"):
        read_parquet(tmp_path / "nanw.parquet", ctx=cpu_ctx, check_finite=False)


@pytest.mark.parametrize("component, value, row", [("proton_e", -1.0, 17), ("proton_px", 100.0, 3)])
def test_unphysical_four_momenta(tmp_path, cpu_ctx, component, value, row):
    cols = event_columns(40, seed=9)
    cols[component][row] = value
    pq.write_table(pa.table(cols), tmp_path / "u.parquet")
    with pytest.raises(gl.DataError, match=f"four-vector 'proton' is unphysical at 1 event\\(s\\), first at row {row}"):
        read_parquet(tmp_path / "u.parquet", ctx=cpu_ctx)


def test_missing_corrupt_and_directory_paths(tmp_path, cpu_ctx):
    with pytest.raises(gl.DataError, match="nope.parquet: no such file"):
        read_parquet(tmp_path / "nope.parquet", ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match="is a directory"):
        read_parquet(tmp_path, ctx=cpu_ctx)
    (tmp_path / "junk.parquet").write_bytes(b"this is not parquet at all" * 10)
    with pytest.raises(gl.DataError, match="junk.parquet: not a readable Parquet file"):
        read_parquet(tmp_path / "junk.parquet", ctx=cpu_ctx)
    good = tmp_path / "good.parquet"
    pq.write_table(event_table(1000), good, compression="snappy")
    data = bytearray(good.read_bytes())
    data[200:60000] = bytes(len(data[200:60000]))  # zero the middle: the footer survives, pages do not
    (tmp_path / "damaged.parquet").write_bytes(bytes(data))
    with pytest.raises(gl.DataError, match="damaged.parquet: cannot read row group 0"):
        read_parquet(tmp_path / "damaged.parquet", ctx=cpu_ctx)


def test_requested_columns_missing_or_non_numeric(tmp_path, cpu_ctx):
    cols = event_columns(5)
    cols["label"] = np.array(list("abcde"))
    del cols["beam_pz"]
    pq.write_table(pa.table(cols), tmp_path / "c.parquet")
    with pytest.raises(gl.DataError, match="four-vector 'beam' is missing its component column beam_pz"):
        read_parquet(tmp_path / "c.parquet", ctx=cpu_ctx, p4s=["beam", "proton"])
    with pytest.raises(gl.DataError, match="four-vector 'pion' is missing"):
        read_parquet(tmp_path / "c.parquet", ctx=cpu_ctx, p4s=["pion"])
    with pytest.raises(gl.DataError, match="scalar column 'eps_x' is missing"):
        read_parquet(tmp_path / "c.parquet", ctx=cpu_ctx, scalars=["eps_x"])
    with pytest.raises(gl.DataError, match="column 'label' .* non-numeric type string"):
        read_parquet(tmp_path / "c.parquet", ctx=cpu_ctx, scalars=["label"])
    with pytest.warns(UserWarning, match="incomplete four-vector 'beam'"):
        ds = read_parquet(tmp_path / "c.parquet", ctx=cpu_ctx)
    assert "beam" not in ds.p4_names and "beam_e" in ds.scalar_names


@pytest.mark.laddu
def test_matches_laddu_reader(tmp_path, cpu_ctx, laddu):
    table = event_table(200, seed=10)
    pq.write_table(table, tmp_path / "l.parquet")
    ours = read_parquet(tmp_path / "l.parquet", ctx=cpu_ctx)
    theirs = laddu.read_parquet(str(tmp_path / "l.parquet"))
    assert list(ours.p4_names) == list(theirs.p4_names()) and list(ours.scalar_names) == list(theirs.scalar_names())
    np.testing.assert_array_equal(ours.weights, theirs.weights())
    np.testing.assert_array_equal(ours.scalar("pol_angle"), theirs.column("pol_angle"))
    v = laddu.Vec4.event("kshort1")
    values = theirs.evaluate({"e": v.e(), "pz": v.pz()}, real=True)
    np.testing.assert_array_equal(ours.p4("kshort1")[0], values["e"])
    np.testing.assert_array_equal(ours.p4("kshort1")[3], values["pz"])


@pytest.mark.parametrize("group", [None, 50_000])
def test_threaded_checks_report_what_a_serial_check_would(tmp_path, group):
    n = 300_000  # large enough for the checks to run on worker threads
    cols = event_columns(n, seed=13)
    cols["pol_angle"][[150_000, 250_000]] = np.nan
    cols["beam_px"][[260_000, 200_000]] = np.inf
    cols["proton_e"][10] = -1.0
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(cols), path, row_group_size=group or n)
    ctx = gl.ExecutionContext(device="cpu", backend="numpy", threads=4)
    with pytest.raises(gl.DataError, match=r"column 'beam_px' has 2 non-finite value\(s\), first at row 200000"):
        read_parquet(path, ctx=ctx)
    with pytest.raises(gl.DataError, match=r"four-vector 'proton' is unphysical at 1 event\(s\), first at row 10"):
        read_parquet(path, ctx=ctx, check_finite=False)


def test_load_progress_bar_only_on_a_terminal(tmp_path, monkeypatch, capsys):
    import io
    import sys

    path = tmp_path / "groups.parquet"
    pq.write_table(event_table(3000, seed=3), path, row_group_size=1000)
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    gl.read_parquet(path, ctx=ctx)
    assert capsys.readouterr().err == ""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    gl.read_parquet(path, ctx=ctx, progress=False)
    assert term.getvalue() == ""
    gl.read_parquet(path, ctx=ctx)
    assert "read_parquet" in term.getvalue()
