"""The migration guide's "change the import" script: the same lines run with laddu 0.28.1 and with
gpu_laddu build models whose NLL agree (the docs test runs the gpu_laddu version as a page example)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gpu_laddu as gl

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migration.md"


def _script() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(r"<!-- laddu-script -->\s*```python\n(?P<code>.*?)```", text, re.S)
    assert match, "docs/migration.md lost its <!-- laddu-script --> block"
    code = match["code"]
    assert code.startswith("import gpu_laddu as ld\n")
    return code


def _run(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    lines = [line for line in code.splitlines() if not line.startswith("print(")]
    exec(compile("\n".join(lines), "<migration script>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.filterwarnings("ignore:.*estimated intensity bound")
def test_change_the_import(laddu, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    from gpu_laddu.canonical import bw_zlm_model

    cm = bw_zlm_model()
    gl.write_parquet(gl.generate_by_model(cm.model, cm.truth, 300, seed=7, ctx=ctx, pilot_events=2000), "data.parquet")
    gl.write_parquet(gl.generate_kskp_mc(600, seed=7, ctx=ctx), "accmc.parquet")
    code = _script()
    ours = _run(code)
    theirs = _run(code.replace("import gpu_laddu as ld", "import laddu as ld", 1))
    assert list(ours["model"].parameter_names) == list(theirs["model"].parameter_names)
    p = [0.12, 0.6, 0.4, 0.09]
    likelihood = laddu.Likelihood([theirs["nll"]], execution=laddu.Execution("cpu", precision="f64"))
    expected = likelihood.value(p)
    got = ours["nll"].value(p)
    assert abs(got - expected) <= 1e-9 * abs(expected)
    _, g_ours = ours["nll"].value_and_gradient(p)
    _, g_theirs = likelihood.value_and_gradient(p)
    assert np.max(np.abs(np.asarray(g_ours) - np.asarray(g_theirs))) <= 1e-7 * np.max(np.abs(g_theirs))

