"""The container recipes only COPY files that exist in the repository."""

import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))


def test_there_are_cpu_and_cuda_images():
    assert {p.name for p in DOCKERFILES} >= {"cpu.Dockerfile", "cuda.Dockerfile"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_copy_sources_exist(dockerfile):
    copies = [line for line in dockerfile.read_text().splitlines() if line.startswith("COPY ")]
    assert copies, f"{dockerfile.name} copies nothing"
    for line in copies:
        *sources, _dest = shlex.split(line)[1:]
        for src in sources:
            assert (ROOT / src).exists(), f"{dockerfile.name}: COPY source {src!r} does not exist"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_requirement_files_referenced_by_images_exist(dockerfile):
    for req in (ROOT / "docker").glob("requirements-*.txt"):
        for line in req.read_text().splitlines():
            if line.startswith("-r "):
                assert (req.parent / line[3:].strip()).exists()
