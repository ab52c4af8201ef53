import pickle
import subprocess
import sys

import pytest

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import EvalClass, const, make, param, topo_order
from tests.helpers import col


def test_interning_shares_equal_subtrees():
    x = param("x")
    a = make("add", (make("mul", (x, const(2.0))), const(1.0)))
    b = make("add", (make("mul", (param("x"), const(2.0))), const(1.0)))
    assert a is b
    assert len(topo_order([a, b])) == 5


def test_constants_keyed_by_bits():
    assert const(0.0) is not const(-0.0)
    assert const(float("nan")) is const(float("nan"))
    assert const(1.0) is not const(1 + 0j)
    assert const(1.0).dtype == "real" and const(1j).dtype == "complex"


def test_evaluation_classes():
    x = col("x").node
    p = param("p")
    assert const(1.0).eval_class is EvalClass.PER_COMPILE
    assert make("mul", (x, const(2.0))).eval_class is EvalClass.PER_EVENT
    assert make("mul", (x, p)).eval_class is EvalClass.PER_EVALUATION
    assert make("amp", (x,), ("a",)).eval_class is EvalClass.PER_EVALUATION


def test_dtype_rules_and_errors():
    x = param("x")
    assert make("add", (x, const(1j))).dtype == "complex"
    assert make("norm_sqr", (const(1j),)).dtype == "real"
    with pytest.raises(IRError, match="takes 2 input"):
        make("add", (x,))
    with pytest.raises(IRError, match="unknown IR op"):
        make("frobnicate", (x,))
    with pytest.raises(IRError, match="real inputs"):
        make("cis", (const(1j),))


def test_nodes_are_immutable_and_picklable():
    n = make("mul", (param("x"), const(3.0)))
    with pytest.raises(AttributeError):
        n.op = "add"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(n)) is n


def test_fingerprint_is_stable_across_processes():
    code = (
        "from gpu_laddu.ir.nodes import make, param, const;"
        "print(make('add', (make('mul', (param('x'), const(0.1))), const(2j))).fingerprint)"
    )
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
            for _ in range(2)}
    local = make("add", (make("mul", (param("x"), const(0.1))), const(2j))).fingerprint
    assert outs == {local + "\n"}
