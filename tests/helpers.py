"""Small test-only building blocks."""

from __future__ import annotations

from typing import Any

from gpu_laddu.amplitudes.base import variable_expr
from gpu_laddu.ir.expr import Expression


class ScalarVar:
    """A stand-in variable: the value of one scalar column."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def key(self) -> tuple[str, str]:
        return ("test-scalar", self.name)

    def value(self, dataset: Any) -> Any:
        return dataset.scalar(self.name)

    def required_columns(self) -> tuple[set[str], set[str]]:
        return set(), {self.name}


def col(name: str) -> Expression:
    """The per-event value of scalar column ``name`` as an expression."""
    return variable_expr(ScalarVar(name))
