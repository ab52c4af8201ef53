"""CSE: identical subtrees are one node; commutative operands are put in canonical order."""

from gpu_laddu.ir.nodes import const, make, param, topo_order
from gpu_laddu.ir.printer import count_ops
from gpu_laddu.passes.cse import cse
from tests.helpers import col


def test_identical_subtrees_are_one_node_after_cse():
    a, b = param("a"), param("b")
    left = make("mul", (a, b))
    right = make("mul", (b, a))  # the same product, operands swapped
    graph = [make("add", (make("exp", (left,)), make("exp", (right,))))]
    assert count_ops(graph)["mul"] == 2 and count_ops(graph)["exp"] == 2
    (out,) = cse(graph)
    assert count_ops([out])["mul"] == 1
    assert count_ops([out])["exp"] == 1
    assert out.inputs[0] is out.inputs[1]


def test_cse_is_idempotent_and_keeps_non_commutative_order():
    a, b = param("a"), param("b")
    graph = [make("sub", (a, b)), make("div", (b, a)), make("add", (b, a))]
    once = cse(graph)
    assert cse(once) == once
    assert once[0].inputs == (a, b) and once[1].inputs == (b, a)
    assert once[2] is cse([make("add", (a, b))])[0]


def test_cse_merges_across_outputs_and_event_nodes():
    x = col("x").node
    a = param("a")
    g1 = make("mul", (make("mul", (x, a)), const(2.0)))
    g2 = make("mul", (const(2.0), make("mul", (a, x))))
    out = cse([g1, g2])
    assert out[0] is out[1]
    assert len(topo_order(out)) == 5  # x, a, x·a, 2, product
