"""Smoke test of benches/bench_reaction.py (tiny sizes; the laddu side is exercised by the parity tests)."""

from __future__ import annotations

from benches import bench_reaction


def test_generate_and_precompute_children(tmp_path):
    data, values = str(tmp_path / "events.parquet"), str(tmp_path / "values.npz")
    gen = bench_reaction.child_generate(2000, data)
    assert gen["weighted_events_per_s"] > 0 and 0 < gen["acceptance_rate"] <= 1
    ours = bench_reaction.child_gpu_laddu(data, values)
    assert ours["n_events"] == 2000 and ours["precompute_s"] > 0
