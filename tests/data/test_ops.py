"""Dataset operations against independent numpy oracles (and laddu 0.28.1 for bin_by)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gpu_laddu as gl
from gpu_laddu.data import from_arrow, read_parquet
from gpu_laddu.data.ops import BOOTSTRAP_BLOCK

from .util import event_columns, event_table, rank_contexts


class ScalarVar:
    """A stand-in variable: the value of one scalar column."""

    def __init__(self, name):
        self.name = name

    def value(self, dataset):
        return dataset.scalar(self.name)


@pytest.fixture
def ds(cpu_ctx):
    return from_arrow(event_table(1000, seed=1), ctx=cpu_ctx)


def test_select_matches_numpy_and_keeps_the_original(ds):
    before = ds.weights.copy()
    mask = ds.scalar("pol_angle") > 0.5
    sub = ds.select(mask)
    assert sub.n_events == sub.n_events_global == int(mask.sum())
    np.testing.assert_array_equal(sub.p4("kshort1")[1], ds.p4("kshort1")[1][mask])
    np.testing.assert_array_equal(sub.weights, before[mask])
    np.testing.assert_array_equal(ds.weights, before)
    none = ds.select(np.zeros(ds.n_events, bool))
    assert none.n_events_global == 0 and none.scalar_names == ds.scalar_names
    unit = gl.from_numpy(scalars={"x": np.arange(4.0)}, ctx=ds.ctx).select(np.array([1, 0, 1, 0], bool))
    assert not unit.has_explicit_weights and unit.weights.tolist() == [1.0, 1.0]


def test_select_rejects_bad_masks(ds):
    with pytest.raises(gl.DataError, match="mask must be boolean, got dtype int64"):
        ds.select(np.ones(ds.n_events, dtype=np.int64))
    with pytest.raises(gl.DataError, match=r"mask has shape \(999,\); this rank has 1000 events"):
        ds.select(np.ones(999, bool))


def bin_oracle(values, edges):
    """Independent bin index: edge comparisons in plain Python, laddu's closed last bin."""
    out = []
    for v in values:
        idx = -1
        for i in range(len(edges) - 1):
            last = i == len(edges) - 2
            if edges[i] <= v < edges[i + 1] or (last and v == edges[i + 1]):
                idx = i
                break
        out.append(idx)
    return np.array(out)


def test_bin_by_matches_oracle_at_edges_and_outside(cpu_ctx):
    lo, hi, n = 0.3, 1.9, 7
    edges = lo + np.arange(n + 1) * ((hi - lo) / n)
    near = np.concatenate([np.nextafter(edges, -np.inf), edges, np.nextafter(edges, np.inf)])
    values = np.concatenate([near, [np.nan, -5.0, 5.0, hi], np.random.default_rng(2).uniform(0, 2, 300)])
    data = gl.from_numpy(scalars={"v": values}, weights=np.arange(len(values), dtype=float), ctx=cpu_ctx,
                         check_finite=False)
    binned = data.bin_by(ScalarVar("v"), n, (lo, hi))
    np.testing.assert_array_equal(binned.edges, edges)
    expected = bin_oracle(values, edges)
    assert len(binned) == n
    for i, b in enumerate(binned):
        np.testing.assert_array_equal(b.weights, np.flatnonzero(expected == i).astype(float))  # order kept
        assert b.n_events_global == b.n_events
        assert binned.bin_range(i) == (edges[i], edges[i + 1])
    assert sum(b.n_events for b in binned) == int((expected >= 0).sum())


def test_bin_by_keeps_empty_bins_and_takes_explicit_edges(ds):
    binned = ds.bin_by(ScalarVar("pol_magnitude"), [-1.0, 0.0, 0.5, 1.0, 2.0])
    assert [b.n_events for b in binned][0] == 0 and binned[3].n_events == 0
    np.testing.assert_array_equal(binned[1].scalar("pol_magnitude"),
                                  ds.scalar("pol_magnitude")[ds.scalar("pol_magnitude") < 0.5])
    assert "bins=4" in repr(binned)


@pytest.mark.parametrize("bins, rng, match", [
    (0, (0.0, 1.0), "need bins >= 1"),
    (3, (1.0, 1.0), "finite low < high"),
    (3, None, "needs range="),
    ([0.0, 1.0], (0.0, 1.0), "either a bin count"),
    ([0.0, 0.0, 1.0], None, "strictly increasing"),
    ([1.0], None, "at least two"),
])
def test_bin_by_bad_arguments(ds, bins, rng, match):
    with pytest.raises(gl.DataError, match=match):
        ds.bin_by(ScalarVar("pol_angle"), bins, rng)


def test_bin_by_checks_the_variable_shape(ds):
    class Bad:
        def value(self, dataset):
            return np.zeros(3)

    with pytest.raises(gl.DataError, match=r"the variable gave shape \(3,\); expected \(1000,\)"):
        ds.bin_by(Bad(), 2, (0.0, 1.0))


@pytest.mark.laddu
def test_bin_by_matches_laddu(cpu_ctx, laddu):
    """laddu 0.28.1's binning, except at the top: laddu's last edge lo + n·w can round below hi
    (here 2.6999999999999997) and then drops v = hi; ours is hi itself, so its last bin also
    holds the values in between (issue 14, defect 14)."""
    lo, hi, n = -1.0, 2.7, 13
    edges = lo + np.arange(n + 1) * ((hi - lo) / n)
    assert edges[-1] < hi  # the case where the two differ
    values = np.concatenate([np.nextafter(edges, -np.inf), edges, np.nextafter(edges, np.inf), [hi],
                             np.random.default_rng(3).uniform(-1.5, 3.0, 500)])
    weights = np.arange(len(values), dtype=float)
    ours = gl.from_numpy(scalars={"x": values}, weights=weights, ctx=cpu_ctx).bin_by(ScalarVar("x"), n, (lo, hi))
    p4 = np.tile([1.0, 0.0, 0.0, 0.5], (len(values), 1))
    theirs = laddu.Dataset.from_arrays(p4s={"a": p4}, scalars={"x": values}, weights=weights)
    ref = theirs.bin_by(laddu.scalar("x"), bins=laddu.Bin.uniform(n, low=lo, high=hi))
    gap = weights[(values > edges[-1]) & (values <= hi)].tolist()
    assert hi in values[np.isin(weights, gap)]
    assert len(ref) == len(ours)
    for mine, other in zip(ours, ref):
        last = other.index == n - 1
        assert [w for w in mine.weights.tolist() if w not in gap] == other.dataset.weights().tolist()
        assert set(gap) <= set(mine.weights.tolist()) if last else not set(gap) & set(mine.weights.tolist())
        low, high = ours.bin_range(other.index)
        assert (float(other.low), float(other.high)) == (low, edges[-1] if last else high)
    assert ours.bin_range(n - 1)[1] == hi


def test_bootstrap_is_independent_of_the_number_of_ranks(tmp_path):
    n = 2 * BOOTSTRAP_BLOCK + 1234
    cols = {"x": np.zeros(n), "weight": np.linspace(-1.0, 2.0, n)}
    pq.write_table(pa.table(cols), tmp_path / "b.parquet", row_group_size=40_000)
    reference = None
    for size in (1, 2, 3, 5):
        parts = [read_parquet(tmp_path / "b.parquet", ctx=ctx).bootstrap(42).weights for ctx in rank_contexts(size)]
        joined = np.concatenate(parts)
        if reference is None:
            reference = joined
        np.testing.assert_array_equal(joined, reference)
    factors = reference / np.where(cols["weight"] == 0, 1.0, cols["weight"])
    factors = factors[cols["weight"] != 0]
    assert np.allclose(factors, np.round(factors)) and factors.min() == 0
    assert abs(factors.mean() - 1.0) < 5 * np.sqrt(1.0 / len(factors))  # Poisson(1): mean 1, variance 1
    assert abs(factors.var() - 1.0) < 5 * np.sqrt(2.0 / len(factors))
    block1 = np.random.default_rng(np.random.SeedSequence([42, 1])).poisson(1.0, BOOTSTRAP_BLOCK)
    np.testing.assert_array_equal(reference[BOOTSTRAP_BLOCK:2 * BOOTSTRAP_BLOCK],
                                  cols["weight"][BOOTSTRAP_BLOCK:2 * BOOTSTRAP_BLOCK] * block1)


def test_bootstrap_properties(ds):
    a, b, c = ds.bootstrap(1), ds.bootstrap(1), ds.bootstrap(2)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    assert a.p4("beam")[0] is ds.p4("beam")[0]  # columns shared, not copied
    unit = gl.from_numpy(scalars={"x": np.zeros(100)}, ctx=ds.ctx).bootstrap(0)
    assert unit.has_explicit_weights and set(np.unique(unit.weights)) <= set(range(10))
    for seed in (-1, 1.5, True):
        with pytest.raises(gl.DataError, match="seed must be a non-negative integer"):
            ds.bootstrap(seed)


def boost_oracle(p4, total):
    """Λ(β) with β = P⃗/E of the total (the boost into its rest frame), as an explicit 4×4 matrix."""
    out = np.empty_like(p4)
    for k in range(len(p4)):
        beta = total[k, 1:] / total[k, 0]
        b2 = beta @ beta
        g = 1.0 / np.sqrt(1.0 - b2)
        lam = np.eye(4)
        lam[0, 0] = g
        lam[0, 1:] = lam[1:, 0] = -g * beta
        lam[1:, 1:] += (g - 1.0) * np.outer(beta, beta) / b2
        out[k] = lam @ p4[k]
    return out


def test_boost_to_rest_frame_matches_lorentz_matrix(cpu_ctx):
    cols = event_columns(50, seed=4)
    ds = gl.data.from_dict(cols, ctx=cpu_ctx)
    boosted = ds.boost_to_rest_frame_of(["kshort1", "kshort2"])

    def stack(d, name):
        return np.column_stack(d.p4(name))

    total = stack(ds, "kshort1") + stack(ds, "kshort2")
    for name in ds.p4_names:
        expected = boost_oracle(stack(ds, name), total)
        got = stack(boosted, name)
        assert np.max(np.abs(got - expected)) <= 1e-12 * np.max(np.abs(expected))
    rest = stack(boosted, "kshort1") + stack(boosted, "kshort2")
    assert np.max(np.abs(rest[:, 1:])) < 1e-12 * np.max(rest[:, 0])
    assert boosted.scalar("pol_angle") is ds.scalar("pol_angle")
    np.testing.assert_array_equal(boosted.weights, cols["weight"])
    np.testing.assert_array_equal(ds.p4("beam")[1], cols["beam_px"])  # original untouched


def test_boost_errors_and_rest_frame_identity(cpu_ctx):
    at_rest = gl.from_numpy(p4s={"a": np.array([[1.0, 0.0, 0.0, 0.0]]), "b": np.array([[2.0, 0.3, 0.0, 1.0]])},
                            ctx=cpu_ctx)
    same = at_rest.boost_to_rest_frame_of("a")
    np.testing.assert_array_equal(np.column_stack(same.p4("b"))[0], [2.0, 0.3, 0.0, 1.0])
    photon = gl.from_numpy(p4s={"g": np.array([[1.0, 0.0, 0.0, 0.5], [1.0, 0.0, 0.0, 1.0]])}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"not timelike at event 1 \(beta\^2 = 1.0\)"):
        photon.boost_to_rest_frame_of(["g"])
    with pytest.raises(gl.DataError, match="no four-vector 'pion'"):
        photon.boost_to_rest_frame_of("pion")
    with pytest.raises(gl.DataError, match="at least one"):
        photon.boost_to_rest_frame_of([])


def test_to_other_context_and_to_arrow(ds, cpu_ctx):
    other = gl.ExecutionContext(device="cpu", backend="numpy")
    moved = ds.to(other)
    assert moved.ctx is other and ds.to(cpu_ctx) is ds
    assert moved.to_arrow().equals(ds.to_arrow())
    assert np.shares_memory(moved.weights, ds.weights)  # host to host: immutable columns are shared
    table = event_table(1000, seed=1)
    assert ds.to_arrow().equals(table)
    clash = gl.from_numpy(p4s={"k": np.array([[1.0, 0, 0, 0]])}, scalars={"k_e": np.ones(1)}, ctx=cpu_ctx)
    with pytest.raises(gl.DataError, match=r"column names \['k_e'\] would appear twice"):
        clash.to_arrow()


@pytest.mark.gpu
def test_operations_on_the_gpu_match_numpy(gpu_ctx, cpu_ctx):
    import cupy

    table = event_table(3000, seed=12)
    host, dev = from_arrow(table, ctx=cpu_ctx), from_arrow(table, ctx=gpu_ctx)
    assert dev.to(cpu_ctx).to_arrow().equals(table) and host.to(gpu_ctx).ctx is gpu_ctx
    assert dev.bootstrap(3).to_arrow().equals(host.bootstrap(3).to_arrow())  # the same draws on every backend
    mask = host.scalar("pol_angle") > 0
    assert dev.select(cupy.asarray(mask)).to_arrow().equals(host.select(mask).to_arrow())
    for mine, ref in zip(dev.bin_by(ScalarVar("pol_magnitude"), 5, (0.0, 1.0)),
                         host.bin_by(ScalarVar("pol_magnitude"), 5, (0.0, 1.0))):
        assert isinstance(mine.weights, cupy.ndarray) and mine.to_arrow().equals(ref.to_arrow())
    got = dev.boost_to_rest_frame_of(["kshort1", "kshort2"]).to_arrow()
    ref = host.boost_to_rest_frame_of(["kshort1", "kshort2"]).to_arrow()
    for name in ref.column_names:
        a, b = got.column(name).to_numpy(), ref.column(name).to_numpy()
        assert np.max(np.abs(a - b)) <= 1e-12 * np.max(np.abs(b))
