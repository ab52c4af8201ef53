"""Property-based tests of the data layer (hypothesis; bounded example counts, issue 14).

* from_numpy -> write_parquet -> read_parquet is bit-exact for random events: float64 and
  float32 four-vectors of any scale, odd but legal names, any row-group size, and any split of
  the file over (pretend) ranks;
* bin_by, select and bootstrap conserve the sum of weights: bins hold exactly the events in
  [low, high], a selection and its complement hold every event once, and a bootstrap replica is
  exactly weight × Poisson(1) draw (whatever the rank count), with the expected sum on average.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in requirements-ci.txt")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import gpu_laddu as gl  # noqa: E402
from gpu_laddu.data.ops import poisson_factors  # noqa: E402
from gpu_laddu.distributed.comm import partition  # noqa: E402

from .util import rank_contexts  # noqa: E402

#: examples per property (raise GPU_LADDU_PROPERTY_EXAMPLES for a longer hunt)
EXAMPLES = int(os.environ.get("GPU_LADDU_PROPERTY_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CTX = gl.ExecutionContext(device="cpu", backend="numpy")
FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
# names: any characters (newlines, tabs, unicode, underscores, suffix-like endings)
NAMES = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6) | st.sampled_from(
    ["x_e", "k_PX", "a\nb", "_px", "beam", "p4_0", "weight_e", "ε", "a b", "E"])


class ScalarVar:
    def __init__(self, name: str) -> None:
        self.name = name

    def value(self, dataset):  # type: ignore[no-untyped-def]
        return dataset.scalar(self.name)


def bits(a: np.ndarray) -> np.ndarray:
    """Bit patterns (so -0.0 differs from 0.0 and every NaN payload counts)."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def four_vectors(rng: np.random.Generator, n: int, scale: float, dtype: type) -> np.ndarray:
    """(n, 4) physical four-momenta: masses 0 (some events) to 2, momenta of the given scale."""
    p = rng.normal(size=(n, 3)) * scale
    m = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.0, 2.0, n) * scale)
    e = np.sqrt(m * m + (p * p).sum(axis=1))
    out = np.column_stack([e, p]).astype(dtype)
    if dtype == np.float64:
        return out
    return out[np.all(np.isfinite(out), axis=1)]


@st.composite
def datasets(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p4_names = draw(st.lists(NAMES, max_size=3, unique=True))
    scalar_names = draw(st.lists(NAMES, max_size=3, unique=True))
    p4s = {}
    for name in p4_names:
        dtype = draw(st.sampled_from([np.float64, np.float32]))
        scale = 10.0 ** draw(st.integers(-30, 30) if dtype == np.float32 else st.integers(-150, 150))
        p4 = four_vectors(rng, n, scale, dtype)
        assume(len(p4) == n)
        p4s[name] = p4
    scalars = {name: draw(hnp.arrays(np.float64, n, elements=FINITE)) for name in scalar_names}
    weights = draw(st.none() | hnp.arrays(np.float64, n, elements=st.floats(-1e6, 1e6)))
    assume(p4s or scalars or weights is not None)
    return p4s, scalars, weights


@pytest.mark.filterwarnings("ignore:.*look like an incomplete four-vector")  # a scalar named like "x_e"
@SETTINGS
@given(data=datasets(), row_group_size=st.integers(1, 50), ranks=st.integers(1, 3))
def test_parquet_round_trip_is_bit_exact(tmp_path_factory, data, row_group_size, ranks):
    p4s, scalars, weights = data
    try:
        ds = gl.from_numpy(p4s=p4s, scalars=scalars, weights=weights, ctx=CTX)
    except gl.DataError as exc:  # legal data, so the only refusal allowed: a physical four-vector
        raise AssertionError(f"valid events were rejected: {exc}") from exc
    path = tmp_path_factory.mktemp("rt") / "events.parquet"
    try:
        gl.write_parquet(ds, path, row_group_size=row_group_size)
    except gl.DataError as exc:
        assert "cannot be written unambiguously" in str(exc) or "would appear twice" in str(exc)
        assume(False)
    parts = [gl.read_parquet(path, ctx=ctx, progress=False) for ctx in (rank_contexts(ranks) if ranks > 1 else [CTX])]
    n = ds.n_events
    for rank, back in enumerate(parts):
        start, stop = partition(n, rank, len(parts))
        assert (back.n_events, back.n_events_global) == (stop - start, n)
        assert back.p4_names == ds.p4_names and back.scalar_names == ds.scalar_names
        assert back.has_explicit_weights == ds.has_explicit_weights
        assert back.m2_tolerances == ds.m2_tolerances
        for name in ds.p4_names:
            for a, b in zip(back.p4(name), ds.p4(name)):
                np.testing.assert_array_equal(bits(a), bits(b[start:stop]))
        for name in ds.scalar_names:
            np.testing.assert_array_equal(bits(back.scalar(name)), bits(ds.scalar(name)[start:stop]))
        np.testing.assert_array_equal(bits(back.weights), bits(ds.weights[start:stop]))
    for name, p4 in p4s.items():  # and the file holds the caller's values (float32 widened exactly)
        np.testing.assert_array_equal(bits(ds.p4(name)[0]), bits(p4[:, 0].astype(np.float64)))


def exact_sum(values: np.ndarray) -> float:
    return math.fsum(values.tolist())


@st.composite
def binned_events(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 200))
    bins = draw(st.integers(1, 40))
    lo = draw(st.floats(-1e3, 1e3))
    width = draw(st.floats(1e-3, 1e3))
    hi = lo + width
    assume(lo < hi)
    edges = lo + np.arange(bins + 1) * ((hi - lo) / bins)
    pool = np.concatenate([edges, [hi, lo], np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),
                           [np.nan, -np.inf, np.inf]])
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = np.where(rng.random(n) < 0.4, rng.choice(pool, n), rng.uniform(lo - width / 4, hi + width / 4, n))
    weights = draw(hnp.arrays(np.float64, n, elements=st.floats(-1e3, 1e3)))
    return values, weights, bins, (lo, hi)


@SETTINGS
@given(case=binned_events())
def test_bin_by_holds_every_event_in_range_once(case):
    values, weights, bins, (lo, hi) = case
    ds = gl.from_numpy(scalars={"v": values}, weights=weights, ctx=CTX, check_finite=False)
    binned = ds.bin_by(ScalarVar("v"), bins, (lo, hi))
    assert len(binned) == bins and binned.edges[0] == lo and binned.edges[-1] == hi
    inside = (values >= lo) & (values <= hi)
    assert sum(b.n_events for b in binned) == int(inside.sum())
    got = np.concatenate([b.weights for b in binned])
    assert exact_sum(got) == exact_sum(weights[inside])
    np.testing.assert_array_equal(np.sort(got), np.sort(weights[inside]))
    for i, b in enumerate(binned):
        v = b.scalar("v")
        low, high = binned.bin_range(i)
        assert np.all(v >= low) and (np.all(v <= high) if i == bins - 1 else np.all(v < high))


@SETTINGS
@given(weights=hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e6, 1e6)),
       seed=st.integers(0, 2**32 - 1))
def test_select_and_its_complement_hold_every_weight_once(weights, seed):
    ds = gl.from_numpy(scalars={"i": np.arange(len(weights), dtype=float)}, weights=weights, ctx=CTX)
    mask = np.random.default_rng(seed).random(len(weights)) < 0.5
    kept, rest = ds.select(mask), ds.select(~mask)
    assert exact_sum(kept.weights) + 0.0 == exact_sum(weights[mask])
    assert exact_sum(np.concatenate([kept.weights, rest.weights])) == exact_sum(weights)
    np.testing.assert_array_equal(kept.scalar("i"), np.flatnonzero(mask).astype(float))


@SETTINGS
@given(weights=hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e3, 1e3)),
       seed=st.integers(0, 2**32 - 1), ranks=st.integers(1, 4))
def test_bootstrap_is_weight_times_poisson_draw_on_any_rank_count(weights, seed, ranks):
    n = len(weights)
    whole = gl.from_numpy(scalars={"x": np.zeros(n)}, weights=weights, ctx=CTX).bootstrap(seed)
    draws = poisson_factors(seed, 0, n)
    assert np.all(draws == np.round(draws)) and np.all(draws >= 0)
    np.testing.assert_array_equal(bits(whole.weights), bits(weights * draws))
    assert whole.weights.shape == (n,)
    pieces = []
    for ctx in rank_contexts(ranks):
        start, stop = partition(n, ctx.rank, ranks)
        part = gl.Dataset(ctx, {}, {"x": np.zeros(stop - start)}, weights[start:stop], n_events_global=n,
                          global_start=start)  # a rank's share may be empty
        pieces.append(part.bootstrap(seed).weights)
    np.testing.assert_array_equal(bits(np.concatenate(pieces)), bits(whole.weights))


@settings(max_examples=max(EXAMPLES // 8, 1), deadline=None, database=None)  # each draws 100 x 65536
@given(weights=hnp.arrays(np.float64, st.integers(50, 400), elements=st.floats(-10.0, 10.0)),
       seed=st.integers(0, 2**20))
def test_bootstrap_sum_of_weights_is_unbiased(weights, seed):
    """E[Σ w·k] = Σ w and Var = Σ w² for k ~ Poisson(1): the mean of R replicas is within 6 σ/√R."""
    ds = gl.from_numpy(scalars={"x": np.zeros(len(weights))}, weights=weights, ctx=CTX)
    replicas = 100
    mean = np.mean([ds.bootstrap(seed * replicas + r).sum_weights for r in range(replicas)])
    sigma = math.sqrt(float(np.sum(weights * weights)) / replicas)
    assert abs(mean - float(np.sum(weights))) <= 6.0 * sigma + 1e-9


@SETTINGS
@given(n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from([np.float32, np.float64]),
       op=st.sampled_from(["select", "bin", "bootstrap", "boost"]))
def test_derived_datasets_write_and_read_back(tmp_path_factory, n, seed, dtype, op):
    """Whatever is read (float32 included) can be written and read back after any operation."""
    rng = np.random.default_rng(seed)
    masses = {"photon": 0.0, "kaon": 0.497611, "proton": 0.938272}
    p4s = {}
    for name, m in masses.items():
        p = rng.normal(size=(n, 3)) * rng.uniform(0.1, 10.0)
        p[:, 2] += 8.0 if name == "photon" else 0.0
        p4s[name] = np.column_stack([np.sqrt(m * m + (p * p).sum(axis=1)), p]).astype(dtype)
    ds = gl.from_numpy(p4s=p4s, scalars={"x": rng.uniform(-1.0, 1.0, n)}, weights=rng.normal(size=n), ctx=CTX)
    derived = {
        "select": lambda: ds.select(ds.scalar("x") > -0.5),
        "bin": lambda: ds.bin_by(ScalarVar("x"), 3, (-1.0, 1.0))[1],
        "bootstrap": lambda: ds.bootstrap(seed),
        "boost": lambda: ds.boost_to_rest_frame_of(["photon", "proton"]),
    }[op]()
    assume(derived.n_events > 0)
    path = tmp_path_factory.mktemp("derived") / "d.parquet"
    gl.write_parquet(derived, path)
    back = gl.read_parquet(path, ctx=CTX, progress=False)
    for name in masses:
        for a, b in zip(back.p4(name), derived.p4(name)):
            np.testing.assert_array_equal(bits(a), bits(b))
    np.testing.assert_array_equal(bits(back.weights), bits(derived.weights))
