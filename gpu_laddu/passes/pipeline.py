"""Named passes and the pipeline that runs them to a fixed point.

A :class:`Pass` is a pure function from a list of output nodes to a new list (same length,
same meaning).  A :class:`Pipeline` runs its passes in order, repeatedly, until one whole
round leaves the graph fingerprint unchanged (at most ``max_iterations`` rounds; more
means the passes fight each other, which is a bug and raises :class:`IRError`).

Set ``GPU_LADDU_DUMP_IR=after:<pass>`` (comma-separated for several, ``after:*`` for all)
to print the graph to stderr after each run of that pass; ``GPU_LADDU_VALIDATE_IR=1``
validates the graph after every pass (tests do this).

Examples
--------
>>> from gpu_laddu.ir.nodes import make, param, const
>>> from gpu_laddu.passes.fold import fold
>>> from gpu_laddu.passes.cse import cse
>>> x = param("x")
>>> pipe = Pipeline([Pass("cse", cse), Pass("fold", fold)], name="demo", validate=True)
>>> (out,) = pipe.run([make("mul", (make("add", (x, const(0.0))), const(1.0)))])
>>> out is x, pipe.last_iterations
(True, 2)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gpu_laddu.errors import IRError
from gpu_laddu.ir.nodes import Node, graph_fingerprint
from gpu_laddu.ir.printer import format_graph
from gpu_laddu.ir.validate import validate_graph

DUMP_ENV = "GPU_LADDU_DUMP_IR"
VALIDATE_ENV = "GPU_LADDU_VALIDATE_IR"


@dataclass(frozen=True)
class Pass:
    """A named, pure IR → IR transformation.

    >>> Pass("identity", list).run([])
    []
    """

    name: str
    run: Callable[[list[Node]], list[Node]]


def dump_requested(name: str) -> bool:
    """True when ``GPU_LADDU_DUMP_IR`` asks for the graph after the pass or stage ``name``."""
    wanted = {w.strip() for w in os.environ.get(DUMP_ENV, "").split(",") if w.strip()}
    return f"after:{name}" in wanted or "after:*" in wanted


def maybe_dump(name: str, outputs: Sequence[Node], context: str = "") -> None:
    """Print the graph to stderr if ``GPU_LADDU_DUMP_IR`` asks for it after ``name``."""
    if dump_requested(name):
        where = f" ({context})" if context else ""
        print(f"=== gpu_laddu IR after {name}{where} ===\n{format_graph(outputs)}", file=sys.stderr)


class Pipeline:
    """Passes run in order, repeatedly, until the graph stops changing.

    Parameters
    ----------
    passes : sequence of Pass
    name : str
        Used in dumps and error messages.
    max_iterations : int
        Rounds before giving up with :class:`IRError`.
    validate : bool or None
        Validate after every pass; ``None`` reads ``GPU_LADDU_VALIDATE_IR``.

    Examples
    --------
    >>> from gpu_laddu.ir.nodes import make, param, const
    >>> from gpu_laddu.passes.fold import fold
    >>> Pipeline([Pass("fold", fold)]).run([make("mul", (param("a"), const(0.0)))])[0].value
    0.0
    """

    def __init__(self, passes: Sequence[Pass], name: str = "pipeline", max_iterations: int = 16,
                 validate: bool | None = None) -> None:
        self.passes = tuple(passes)
        self.name = name
        self.max_iterations = int(max_iterations)
        self.validate = validate
        self.last_iterations = 0

    def run(self, outputs: Sequence[Node]) -> list[Node]:
        """The graph after running the passes to a fixed point."""
        check = self.validate if self.validate is not None else os.environ.get(VALIDATE_ENV, "") not in ("", "0")
        current = list(outputs)
        fingerprint = graph_fingerprint(current)
        for iteration in range(1, self.max_iterations + 1):
            for p in self.passes:
                current = p.run(current)
                if len(current) != len(outputs):
                    raise IRError(f"pass {p.name!r} changed the number of outputs ({len(outputs)} → {len(current)})")
                if check:
                    validate_graph(current, where=p.name)
                maybe_dump(p.name, current, f"{self.name}, iteration {iteration}")
            new = graph_fingerprint(current)
            if new == fingerprint:
                self.last_iterations = iteration
                return current
            fingerprint = new
        raise IRError(f"pipeline {self.name!r} did not reach a fixed point in {self.max_iterations} iterations")
