"""Griffe extension for the docs build: show bare doctest blocks as code.

numpydoc turns ``>>>`` lines into code only inside an ``Examples`` section.  Many gpu_laddu
docstrings put a short doctest right after the summary (``pytest --doctest-modules`` runs
them all); griffe would render those as plain paragraphs (and Markdown would read an output
line such as ``[1, 2]`` as a link).  This extension wraps every bare doctest block -- from a
line starting with ``>>>`` to the next blank line -- in a ``pycon`` fence, outside
``Examples`` sections and outside existing fences.  It changes only what the docs show.
"""

from __future__ import annotations

import re
from typing import Any

try:
    import griffe
except ImportError:  # tests/test_docs.py imports this module without griffe
    griffe = None

_UNDERLINE = re.compile(r"^-{3,}\s*$")


def fence_bare_doctests(text: str) -> str:
    """Return ``text`` with doctest blocks outside ``Examples`` sections fenced as ``pycon``.

    (tests/test_docs.py checks it.)
    """
    lines = text.split("\n")
    out: list[str] = []
    section = ""
    in_fence = False
    in_doctest = False
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if in_doctest and not line.strip():
            out.append("```")
            in_doctest = False
        if not in_doctest and not in_fence and line.strip() and _UNDERLINE.match(nxt):
            section = line.strip()
        if line.lstrip().startswith("```") and not in_doctest:
            in_fence = not in_fence
        elif not in_fence and not in_doctest and section != "Examples" and line.startswith(">>>"):
            out.append("```pycon")
            in_doctest = True
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


if griffe is not None:

    class BareDoctests(griffe.Extension):
        """Fence bare doctests in every docstring griffe loads."""

        def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
            """Rewrite the docstring of each object as it is created."""
            if obj.docstring is not None and ">>>" in obj.docstring.value:
                obj.docstring.value = fence_bare_doctests(obj.docstring.value)
