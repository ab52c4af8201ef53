"""The IR printer (stable text) and validator (structural invariants)."""

import subprocess
import sys

import pytest

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import EvalClass, Node, const, make, param
from gpu_laddu.ir.printer import format_graph
from gpu_laddu.ir.validate import validate_graph
from tests.helpers import col

CODE = (
    "from gpu_laddu.ir.nodes import make, param, const\n"
    "from gpu_laddu.ir.printer import format_graph\n"
    "print(format_graph([make('add', (make('mul', (param('x'), const(0.1))), const(2j)))]))\n"
)


def test_text_is_stable_across_processes():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout == (
        "%0 = param 'x'  : real PER_EVALUATION\n"
        "%1 = const 0.1  : real PER_COMPILE\n"
        "%2 = mul %0, %1  : real PER_EVALUATION\n"
        "%3 = const 2j  : complex PER_COMPILE\n"
        "%4 = add %2, %3  : complex PER_EVALUATION\n"
        "out[0] = %4\n"
    )


def test_names_cannot_break_the_layout():
    text = format_graph([make("amp", (make("to_complex", (param("a\nb"),)),), ("x'\n%9 = y",))])
    assert len(text.splitlines()) == 4
    assert "'a\\nb'" in text


def test_columns_are_printed_with_their_source():
    text = format_graph([col("x").node])
    assert text.startswith("%0 = column VariableColumn(")
    assert "PER_EVENT" in text


def test_valid_graphs_pass():
    x = col("x").node
    validate_graph([make("norm_sqr", (make("mul", (make("complex", (param("a"), x)), const(1j))),))])


def _forged(op: str, inputs: tuple[Node, ...], attrs: tuple, dtype: str, cls: EvalClass) -> Node:
    return Node(op, inputs, attrs, dtype, cls, "0" * 64)


@pytest.mark.parametrize(("node", "match"), [
    (_forged("mul", (param("a"), const(1.0)), (), "complex", EvalClass.PER_EVALUATION), "interned"),
    (_forged("frob", (), (), "real", EvalClass.PER_COMPILE), "unknown op"),
    (_forged("add", (param("a"),), (), "real", EvalClass.PER_EVALUATION), "takes 2 input"),
    (_forged("const", (), ("1",), "real", EvalClass.PER_COMPILE), "one float or complex"),
    (_forged("param", (), ("",), "real", EvalClass.PER_EVALUATION), "non-empty name"),
    (_forged("sin", (const(1j),), (), "real", EvalClass.PER_COMPILE), "real inputs"),
    (_forged("exp", (param("a"),), (), "real", EvalClass.PER_COMPILE), "interned|evaluation class"),
])
def test_invalid_nodes_are_named(node, match):
    with pytest.raises(IRError, match=match):
        validate_graph([node], where="test")
