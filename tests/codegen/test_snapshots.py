"""Golden text of generated kernels: any change to the generated source shows up here.

Regenerate with ``GPU_LADDU_UPDATE_SNAPSHOTS=1 pytest tests/codegen/test_snapshots.py``
after checking that the change is intended.
"""

import os
from pathlib import Path

import pytest

from tests.codegen.models import MODELS

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(("target", "precision", "suffix"), [
    ("cuda", "f64", "cu"), ("cuda", "f32", "cu"), ("numba", "f64", "py"),
])
def test_generated_source_is_stable(target, precision, suffix):
    model, _ = MODELS["coherent"]()
    src = model.kernel_source(target, precision=precision)
    path = SNAPSHOTS / f"coherent_{target}_{precision}.{suffix}.txt"
    if os.environ.get("GPU_LADDU_UPDATE_SNAPSHOTS") == "1":
        path.write_text(src)
    assert path.exists(), f"missing snapshot {path.name}; run with GPU_LADDU_UPDATE_SNAPSHOTS=1"
    assert src == path.read_text()
