"""Every Python example of the documentation runs.

Convention (also described in docs/docs-tests.md)
-------------------------------------------------
* Each fenced block whose info string starts with ``python`` is an example.  The examples of
  one page run in order, in one shared namespace, in a fresh temporary working directory
  (files written by one block can be read by the next).  One page = one test.
* A block preceded by an HTML comment ``<!-- no-test: REASON -->`` (only blank lines may
  separate the comment from the fence) is not run; the reason is reported (e.g.
  ``gpu``, ``mpi``, ``laddu``).  Such blocks must still be valid Python, and later blocks of
  the page must not depend on names they define.
* Blocks in other languages (``bash``, ``text``, ``pycon`` …) are never run.
* During the run, ``gl.default_context()`` is a NumPy CPU context, so pages that rely on the
  default context stay fast and deterministic on any machine (no Numba compilation).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
NO_TEST = re.compile(r"^\s*<!--\s*no-test:\s*(?P<reason>.*?)\s*-->\s*$")

@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int  # 1-based line of the first code line
    info: str
    code: str
    skip: str | None  # the no-test reason, or None

    @property
    def is_python(self) -> bool:
        return self.info.split()[0].lower() in ("python", "py") if self.info.split() else False


def extract_blocks(text: str, page: str = "<page>") -> list[Block]:
    """All fenced code blocks of a Markdown text, with their no-test markers."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        skip = None
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and (n := NO_TEST.match(lines[j])):
            skip = n["reason"] or "marked no-test"
        body: list[str] = []
        k = i + 1
        while k < len(lines):
            close = FENCE.match(lines[k])
            closes = close is not None and close["fence"][0] == fence[0] and len(close["fence"]) >= len(fence)
            if closes and close is not None and not close["info"].strip():
                break
            body.append(lines[k][len(indent):] if lines[k].startswith(indent) else lines[k])
            k += 1
        blocks.append(Block(page, i + 2, info, "\n".join(body), skip))
        i = k + 1
    return blocks


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_griffe" not in p.parts)


def _python_blocks(path: Path) -> list[Block]:
    return [b for b in extract_blocks(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) if b.is_python]


PAGES_WITH_CODE = [p for p in [*_pages(), ROOT / "README.md"] if _python_blocks(p)]


@pytest.fixture
def numpy_default_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Make ``gl.default_context()`` a NumPy CPU context for the duration of a test."""
    import gpu_laddu as gl
    import gpu_laddu.context as context

    ctx = gl.ExecutionContext(device="cpu", backend="numpy", comm="none")
    monkeypatch.setattr(context, "_DEFAULT", ctx)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           numpy_default_context: object) -> None:
    blocks = _python_blocks(page)
    for block in blocks:  # skipped blocks too must at least be valid Python
        compile(block.code, f"{block.page}:{block.line}", "exec")
    runnable = [b for b in blocks if b.skip is None]
    if not runnable:
        pytest.skip("every example is marked no-test: " + "; ".join(sorted({str(b.skip) for b in blocks})))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in runnable:
        # pad with newlines so that tracebacks give the line number in the Markdown file
        code = compile("\n" * (block.line - 1) + block.code, str(ROOT / block.page), "exec")
        exec(code, namespace)
    skipped = [b for b in blocks if b.skip is not None]
    if skipped:
        where = "; ".join(f"line {b.line}: {b.skip}" for b in skipped)
        print(f"{page.name}: {len(skipped)} block(s) not run: {where}")


def test_extract_blocks_convention() -> None:
    text = "\n".join([
        "# t", "", "```python", "a = 1", "```", "",
        "<!-- no-test: gpu -->", "", "```python title=\"x\"", "b = 2", "```",
        "```bash", "echo", "```",
        "````markdown", "```python", "inner = 1", "```", "````",
    ])
    blocks = extract_blocks(text)
    assert [(b.info.split()[0], b.line, b.skip) for b in blocks] == [
        ("python", 4, None), ("python", 10, "gpu"), ("bash", 13, None), ("markdown", 16, None)]
    assert [b.is_python for b in blocks] == [True, True, False, False]
    assert blocks[3].code == "```python\ninner = 1\n```"


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"([\w./-]+\.md)", nav))
    pages = {str(p.relative_to(DOCS)) for p in _pages()}
    assert pages - listed == set(), "add these pages to the nav of mkdocs.yml"
    assert listed - pages == set(), "the nav names pages that do not exist"


def test_griffe_extension_fences_bare_doctests() -> None:
    spec = importlib.util.spec_from_file_location("doctest_blocks", DOCS / "_griffe" / "doctest_blocks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fence = module.fence_bare_doctests
    assert fence("Summary.\n\n>>> 1 + 1\n2\n\nMore.") == "Summary.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nMore."
    examples = "Summary.\n\nExamples\n--------\n>>> 1 + 1\n2"
    assert fence(examples) == examples  # numpydoc handles Examples sections itself
    fenced = "Text.\n\n```python\n>>> x\n```"
    assert fence(fenced) == fenced


def test_every_public_name_is_documented() -> None:
    """Each name of ``gpu_laddu.__all__`` has a docstring and is named somewhere in the docs."""
    import gpu_laddu as gl

    text = "\n".join(p.read_text(encoding="utf-8") for p in _pages())
    rendered = set(re.findall(r"^::: ([\w.]+)", text, re.M))  # modules whose API pages mkdocstrings renders
    names = [n for n in gl.__all__ if not n.startswith("__")]
    missing_doc = [n for n in names if not (getattr(gl, n).__doc__ or "").strip()]
    unmentioned = [n for n in names if n not in text and getattr(getattr(gl, n), "__module__", "") not in rendered]
    assert not missing_doc, f"public names without a docstring: {missing_doc}"
    assert not unmentioned, f"public names the documentation never mentions: {unmentioned}"
