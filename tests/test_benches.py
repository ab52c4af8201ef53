"""Smoke tests of the benchmark scripts (benches/): tiny sizes, a few seconds in all."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benches import bench_fit, bench_mpi, common, suite


def test_common_helpers():
    calls = []
    (t,) = common.best_of(lambda: calls.append(1), min_time=0.0, min_calls=3)
    assert t > 0 and len(calls) == 4  # one warm-up call, then three timed rounds
    assert common.rel_diff([1.0, 2.0], [1.0, 2.0 + 1e-12]) < 1e-12
    assert common.peak_rss_bytes() > 10 * 2**20
    assert common.fmt_time(2.5e-6) == "2 µs" and common.fmt_time(1.5) == "1.5 s"
    assert common.md_table(["a", "b"], [["1", "2"]]).splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]
    info = common.machine_info()
    assert info["logical_cores"] >= 1 and info["versions"]["numpy"] == np.__version__


def test_suite_runs_and_writes_reports(tmp_path):
    results = suite.run_suite(sizes=(400,), models=("bw_zlm",), backends=("numpy",), laddu=False, quick=True,
                              log=lambda _: None)
    (rec,) = results["results"]
    assert rec["library"] == "gpu_laddu" and rec["n_data"] == 400 and rec["n_mc"] == 800
    assert rec["mc_method"] == "events" and rec["cache_bytes_per_event"] > 0
    assert 0 < rec["floor_s"] < rec["value_grad_s"]
    assert rec["fit"]["converged"] and rec["fit"]["calls"] > 10
    assert rec["peak_rss_bytes"] >= rec["baseline_rss_bytes"] > 0
    paths = suite.write_suite(results, tmp_path)
    assert {p.suffix for p in paths} >= {".json", ".md"}
    assert not (tmp_path / "latest.md").exists()  # quick runs leave latest.md alone
    assert json.loads(paths[0].read_text())["results"][0]["n_data"] == 400
    assert "| 400 + 800 | gpu_laddu numpy |" in paths[1].read_text()


def test_suite_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown"):
        suite.run_suite(models=("nope",), log=lambda _: None)


@pytest.mark.laddu
def test_laddu_parity_check_fails_loudly(tmp_path):
    pytest.importorskip("laddu")
    spec = {"model": "bw_zlm", "n_data": 300, "n_mc": 600, "warm_path": str(tmp_path / "warm.parquet"),
            "data_path": str(tmp_path / "data.parquet"), "mc_path": str(tmp_path / "mc.parquet"), "min_time": 0.0,
            "fit_budget_s": 0.0, "expected_calls": 100}
    suite.child_generate(spec)
    ours = suite.child_gpu_laddu({**spec, "backend": "numpy"})
    theirs = suite.child_laddu({**spec, "nll": ours["nll"], "gradient": ours["gradient"]})
    assert theirs["parity"]["value_rel"] <= suite.PARITY_TOL and "skipped" in theirs["fit"]
    with pytest.raises(RuntimeError, match="PARITY FAILURE"):
        suite.child_laddu({**spec, "nll": ours["nll"] * (1 + 1e-6), "gradient": ours["gradient"]})


def test_mpi_estimate_and_single_process_child():
    e = bench_mpi.estimate_cluster(100.0, 13, 5, n_events=6.4e10, n_gpus=64, gpu_bandwidth=1e12, alpha=1e-5,
                                   beta=1e12)
    assert e["compute_s"] == pytest.approx(0.1) and e["allreduce_s"] == pytest.approx(12e-5 + 2 * 104 / 1e12)
    assert e["gather_bytes_per_gpu"] == pytest.approx(8 * 1e9 * 6)
    rec = bench_mpi.child(500, 2)
    assert rec is not None and rec["ranks"] == 1 and rec["allreduce_bytes_per_call"] == 0
    assert rec["gather_bytes_per_call"] == 8 * 1500 * 6


def test_demo_line_matches_the_cli_output():
    line = "generation 61.2 s, load/precompute 12.0 s, fit 9.8 s (812 calls, converged=True)"
    match = bench_fit.DEMO_LINE.search(line)
    assert match is not None and match[4] == "812" and match[5] == "True"


def test_recipes_bench_runs():
    from benches import bench_recipes

    results = bench_recipes.run(300, "numpy", 0.0)
    assert [r["model"] for r in results["results"]] == ["bw", "zlm", "bw_zlm"]
    for r in results["results"]:
        assert r["value_rel_diff"] < 1e-12 and r["gradient_rel_diff"] < 1e-10
        assert r["call_recipe_s"] > 0 and r["precompute_former_s"] > 0
    assert "| bw |" in bench_recipes.markdown(results)
