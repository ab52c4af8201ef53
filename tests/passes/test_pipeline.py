"""The pass pipeline: fixed point, validation, dumps, and the standard compilation stages."""

import pytest

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, const, make, param, topo_order
from gpu_laddu.passes.pipeline import Pass, Pipeline
from gpu_laddu.passes.standard import CSE, FOLD, build_call_graph, specialize_graph
from tests.helpers import col


def test_runs_to_fixed_point_and_counts_rounds():
    a = param("a")
    pipe = Pipeline([CSE, FOLD], validate=True)
    expr = make("add", (make("mul", (a, const(1.0))), const(0.0)))
    assert pipe.run([expr]) == [a]
    assert pipe.last_iterations == 2
    assert pipe.run([a]) == [a] and pipe.last_iterations == 1


def test_fighting_passes_raise():
    a, b = param("a"), param("b")

    def swap(outputs: list[Node]) -> list[Node]:
        return [make(n.op, n.inputs[::-1]) if n.op == "add" else n for n in outputs]

    with pytest.raises(IRError, match="fixed point"):
        Pipeline([Pass("swap", swap)], max_iterations=5).run([make("add", (a, b))])


def test_invalid_pass_output_is_caught():
    def bad(outputs: list[Node]) -> list[Node]:
        return [*outputs, outputs[0]]

    with pytest.raises(IRError, match="number of outputs"):
        Pipeline([Pass("bad", bad)]).run([param("a")])


def test_dump_after_pass(monkeypatch, capsys):
    monkeypatch.setenv("GPU_LADDU_DUMP_IR", "after:fold,after:split")
    a = param("a")
    build_call_graph(make("mul", (a, col("x").node)), ["a"], {})
    err = capsys.readouterr().err
    assert "=== gpu_laddu IR after fold (load, iteration 1) ===" in err
    assert "=== gpu_laddu IR after split (per-call graph) ===" in err
    assert "after cse" not in err
    assert "param 'a'" in err


def test_standard_stages_split_and_specialize():
    a, b = param("a"), param("b")
    x = col("x").node
    amp_a = make("amp", (make("to_complex", (make("mul", (a, make("exp", (x,)))),)),), ("A",))
    amp_b = make("amp", (make("to_complex", (b,)),), ("B",))
    value = make("norm_sqr", (make("add", (amp_a, amp_b)),))
    frontier, graph = build_call_graph(value, ["a", "b"], {})
    assert [f.op for f in frontier] == ["exp"]  # exp(x) is computed once per dataset
    assert len(graph) == 3
    only_b = specialize_graph(graph, frozenset({"B"}))
    assert all(n.op != "column" for n in topo_order(only_b))  # A's per-event subgraph is gone
    assert only_b[1] is const(0.0)  # d/da of an inactive amplitude
    assert specialize_graph(graph, frozenset({"A", "B"})) == specialize_graph(graph, frozenset({"A", "B"}))

