"""Every pipeline run in these tests validates the graph after each pass."""

import pytest


@pytest.fixture(autouse=True)
def _validate_ir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPU_LADDU_VALIDATE_IR", "1")
